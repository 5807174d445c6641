/** @jsxImportSource hono/jsx */
// The console's server-rendered pages (Hono JSX, no build step, no script): sign-in, and the queue with each
// order's scope summary (identifiers, categories, window), decisions so far, production progress and the
// decision forms. Never record contents. Design: /work/shared/LAWFUL_ACCESS.md#lifecycle ("Operators see the scope").

import type { FC, PropsWithChildren } from "hono/jsx";
import type { QueueItem } from "../lifecycle/queue";

const STYLE = `body{font:15px system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;font-size:13px}
.order{border:1px solid #999;border-radius:6px;padding:1rem;margin:1rem 0}.status{font-weight:bold}
.error{background:#fee;border:1px solid #c00;padding:.5rem}form.inline{display:inline-block;margin-right:1rem;vertical-align:top}
input[type=text],textarea{width:22rem}`;

const Layout: FC<PropsWithChildren<{ title: string }>> = ({ title, children }) => (
	<html lang="en">
		<head>
			<meta charset="utf-8" />
			<title>{title}</title>
			<style>{STYLE}</style>
		</head>
		<body>{children}</body>
	</html>
);

export const LoginPage: FC<{ error?: string }> = ({ error }) => (
	<Layout title="Lawful-access console: sign in">
		<h1>Lawful-access console</h1>
		{error === undefined ? null : <p class="error" id="error">{error}</p>}
		<form method="post" action="/_lawful/console/login">
			<p><label>Operator username <input type="text" name="username" id="username" autocomplete="username" required /></label></p>
			<p><label>Password <input type="password" name="password" id="password" autocomplete="current-password" required /></label></p>
			<p><button type="submit" id="login">Sign in</button></p>
		</form>
	</Layout>
);

const Scope: FC<{ item: QueueItem }> = ({ item }) => (
	<table>
		<tr><th>LDID</th><th>kind</th><th>category</th><th>subtypes</th><th>identifier</th><th>window</th><th>preserve until</th></tr>
		{item.scope.map((t) => (
			<tr>
				<td>{t.ldid}</td><td>{t.kind}</td><td>{t.category}</td><td>{t.subtypes.join(", ")}</td><td>{t.identifier}</td>
				<td>{t.window === null ? "whole history" : `${t.window.start} – ${t.window.end}`}</td><td>{t.preservationUntil ?? ""}</td>
			</tr>
		))}
	</table>
);

const Decide: FC<{ item: QueueItem; csrf: string }> = ({ item, csrf }) => {
	const base = `/_lawful/console/orders/${item.orderId}`;
	const pendingReview = item.emergencyReview !== null && item.emergencyReview.reviewedBy === null;
	if (item.status !== "AwaitingApproval" && !pendingReview) return null;
	return (
		<div>
			<form class="inline" method="post" action={`${base}/approve`}>
				<input type="hidden" name="csrf" value={csrf} />
				<p><label>Reason <input type="text" name="reason" class="reason" required minlength={3} /></label></p>
				{item.emergency && item.status === "AwaitingApproval" ? (
					<p>Call-back: <input type="text" name="callback_contact" placeholder="number called" /> <input type="text" name="callback_note" placeholder="who confirmed" /></p>
				) : null}
				<button type="submit" class="approve">{pendingReview ? "Uphold (review)" : "Approve"}</button>
			</form>
			<form class="inline" method="post" action={`${base}/reject`}>
				<input type="hidden" name="csrf" value={csrf} />
				<p><label>Reason <input type="text" name="reason" required minlength={3} /></label></p>
				<button type="submit" class="reject">{pendingReview ? "Overturn (review)" : "Reject"}</button>
			</form>
			{item.status === "AwaitingApproval" ? (
				<form class="inline" method="post" action={`${base}/narrow`}>
					<input type="hidden" name="csrf" value={csrf} />
					<p>Keep: {item.scope.map((t) => <label><input type="checkbox" name="keep" value={t.ldid} checked /> {t.ldid} </label>)}</p>
					<p><label>Reason <input type="text" name="reason" required minlength={3} /></label></p>
					<button type="submit" class="narrow">Narrow</button>
				</form>
			) : null}
		</div>
	);
};

export const QueuePage: FC<{ operator: string; csrf: string; items: QueueItem[]; progress: Record<string, string>; error?: string }> = ({ operator, csrf, items, progress, error }) => (
	<Layout title="Lawful-access console">
		<h1>Lawful-access console</h1>
		<p>Signed in as {operator}. <form class="inline" method="post" action="/_lawful/console/logout"><input type="hidden" name="csrf" value={csrf} /><button type="submit">Sign out</button></form></p>
		{error === undefined ? null : <p class="error" id="error">{error}</p>}
		{items.length === 0 ? <p id="empty">No open orders.</p> : null}
		{items.map((item) => (
			<div class="order" id={`order-${item.orderId}`} data-status={item.status}>
				<h2>{item.reference} <small>({item.orderId})</small></h2>
				<p>Status: <span class="status">{item.status}</span>{progress[item.orderId] === undefined ? null : <span class="progress"> · production {progress[item.orderId]}</span>}</p>
				<p>Issuer {item.issuer} · {item.legalBasis} · {item.jurisdiction} · received {item.receivedAt}{item.emergency ? " · EMERGENCY" : ""}{item.nonDisclosureUntil === null ? "" : ` · non-disclosure until ${item.nonDisclosureUntil}`}</p>
				<Scope item={item} />
				{item.decisions.length === 0 ? null : (
					<ul class="decisions">{item.decisions.map((d) => <li>{d.at} {d.operator}: {d.decision} ({d.reason})</li>)}</ul>
				)}
				<Decide item={item} csrf={csrf} />
			</div>
		))}
	</Layout>
);
