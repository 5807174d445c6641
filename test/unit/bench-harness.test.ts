// The benches' send -> /sync step (scripts/bench/harness.mjs) refuses to report a figure that is not one:
// a long-poll that answered before the send went (its token was behind, so the figure would time the send
// alone, as bench:ab's did until 2026-11-23), or an answer that does not show the sent event.
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs bench module without type declarations
import { sendToWokenSync, syncShows } from "../../scripts/bench/harness.mjs";

const ROOM = "!r:localhost";
const answerWith = (eventId: string) => ({ rooms: { join: { [ROOM]: { timeline: { events: [{ event_id: eventId }] } } } } });
const later = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
const shows = (body: unknown, sent: { event_id: string }) => syncShows(body, ROOM, sent.event_id);

describe("sendToWokenSync", () => {
	it("times a long-poll that was still waiting when the send went and shows the event", async () => {
		let sentAt = 0;
		const poll = async () => {
			// Answers only after the send, as a parked long-poll woken by it does.
			while (sentAt === 0) await later(1, null);
			return later(5, answerWith("$sent"));
		};
		const send = async () => {
			sentAt = performance.now();
			return later(2, { event_id: "$sent" });
		};
		const { ms, ackMs, body } = await sendToWokenSync(poll, send, shows);
		expect(ackMs).toBeGreaterThan(0);
		expect(ms).toBeGreaterThanOrEqual(ackMs);
		expect(ms).toBeGreaterThanOrEqual(5);
		expect(body).toEqual(answerWith("$sent"));
	});

	it("throws when the long-poll answered before the send (its token was behind)", async () => {
		let sends = 0;
		const send = async () => {
			sends++;
			return { event_id: "$sent" };
		};
		await expect(sendToWokenSync(async () => answerWith("$older"), send, shows)).rejects.toThrow(/answered before the send/);
		expect(sends).toBe(0);
	});

	it("throws when the answer does not show the sent event", async () => {
		const poll = () => later(30, answerWith("$other"));
		await expect(sendToWokenSync(poll, async () => ({ event_id: "$sent" }), shows)).rejects.toThrow(/does not show the sent event/);
	});
});

describe("syncShows", () => {
	it("finds an event only in the named joined room's timeline", () => {
		expect(syncShows(answerWith("$a"), ROOM, "$a")).toBe(true);
		expect(syncShows(answerWith("$a"), ROOM, "$b")).toBe(false);
		expect(syncShows(answerWith("$a"), "!other:localhost", "$a")).toBe(false);
		expect(syncShows({ rooms: { leave: { [ROOM]: { timeline: { events: [{ event_id: "$a" }] } } } } }, ROOM, "$a")).toBe(false);
		expect(syncShows(undefined, ROOM, "$a")).toBe(false);
	});
});
