/** The WebSocket framing of the contract: requests carry an id, responses echo it. */
import { z } from 'zod';

export const WireRequest = z.object({ id: z.number().int(), call: z.string(), request: z.unknown().optional() });
export type WireRequest = z.infer<typeof WireRequest>;

export function wireMessage(text: string): WireRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error('message is not JSON');
  }
  const r = WireRequest.safeParse(raw);
  if (!r.success) throw new Error('message must be {"id": number, "call": string, "request"?: object}');
  return r.data;
}
