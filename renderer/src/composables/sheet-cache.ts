/**
 * Sprite sheets shared by every grid: fetched once, kept as object URLs in a least-recently-used
 * map, so scrolling back and forth (or reopening a dataset) costs no requests.
 */
const SHEET_CAPACITY = 400;
const sheets = new Map<string, string>();
const inFlight = new Map<string, Promise<string>>();

/** An object URL for the image at `url` (one request however many cells ask at once). */
export function loadSheet(url: string): Promise<string> {
  const hit = sheets.get(url);
  if (hit) {
    sheets.delete(url);
    sheets.set(url, hit);
    return Promise.resolve(hit);
  }
  let p = inFlight.get(url);
  if (!p) {
    p = fetch(url)
      .then(async (r) => {
        if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
        const objectUrl = URL.createObjectURL(await r.blob());
        sheets.set(url, objectUrl);
        for (const [k, v] of sheets) {
          if (sheets.size <= SHEET_CAPACITY) break;
          sheets.delete(k);
          URL.revokeObjectURL(v);
        }
        return objectUrl;
      })
      .finally(() => inFlight.delete(url));
    inFlight.set(url, p);
  }
  return p;
}
