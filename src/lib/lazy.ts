// Heavy SDKs (Stripe, Razorpay, Cloudinary, PDFKit, sharp) are imported on first use, not at start:
// most processes never use some of them (a gateway without keys, no receipts asked for), and
// importing all of them cost about a third of a second of every cold start (npm run bench -- --only start).

/** A value built on first use and kept; a build that failed is tried again on the next call. */
export function lazy<T>(build: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () =>
    (value ??= build().catch((err: unknown) => {
      value = undefined;
      throw err;
    }));
}
