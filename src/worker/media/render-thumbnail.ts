// Making a thumbnail's pixels: decode, resize (Lanczos3) and crop with Photon (Rust image code compiled to
// WASM, which runs inside workerd), then encode as PNG or JPEG.
// Spec: https://spec.matrix.org/latest/client-server-api/#thumbnails

import { crop, PhotonImage, resize, SamplingFilter } from "@cf-wasm/photon";
import type { ThumbnailPlan } from "../../protocol/media/thumbnail-plan";

const JPEG_QUALITY = 85;

/** Renders a `resize` plan. Every WASM-side image is freed, also on failure, so a long-lived isolate does not leak. */
export function renderThumbnail(bytes: Uint8Array, plan: Extract<ThumbnailPlan, { kind: "resize" }>, contentType: "image/png" | "image/jpeg"): Uint8Array {
	const images: PhotonImage[] = [];
	try {
		const source = PhotonImage.new_from_byteslice(bytes);
		images.push(source);
		const resized = resize(source, plan.width, plan.height, SamplingFilter.Lanczos3);
		images.push(resized);
		const { x, y, width, height } = plan.crop;
		let out = resized;
		if (width !== plan.width || height !== plan.height) {
			out = crop(resized, x, y, x + width, y + height);
			images.push(out);
		}
		return contentType === "image/png" ? out.get_bytes() : out.get_bytes_jpeg(JPEG_QUALITY);
	} finally {
		for (const image of images) image.free();
	}
}
