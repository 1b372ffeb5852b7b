// The admin session: the token lives in this module's memory only (never in
// localStorage or a cookie), so closing or reloading the tab signs out.
import { Code, ConnectError } from "@connectrpc/connect";
import { connectParleyWeb, type ParleyClients } from "@parley/client/web";

export interface Session {
  adminId: string;
  token: string;
  expiresAtMs: number;
}

type Listener = (session: Session | null, reason: string) => void;

let current: Session | null = null;
let expiryTimer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<Listener>();

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function publish(reason: string): void {
  for (const listener of listeners) listener(current, reason);
}

/** The RPCs on the origin that served the console (the web listener). */
export const api: ParleyClients = connectParleyWeb({
  baseUrl: location.origin,
  token: () => current?.token,
  timeoutMs: 15_000,
  interceptors: [
    (next) => async (req) => {
      try {
        return await next(req);
      } catch (failure) {
        // A token the server no longer takes (expired, revoked): back to sign-in.
        if (current && failure instanceof ConnectError && failure.code === Code.Unauthenticated) {
          signOut("Your session has expired. Sign in again.");
        }
        throw failure;
      }
    },
  ],
});

export async function signIn(secret: string, adminId: string): Promise<void> {
  const reply = await api.auth.getAdminToken({ secret, adminId });
  current = { adminId: adminId || "admin", token: reply.token, expiresAtMs: Number(reply.expireTimeMs) };
  clearTimeout(expiryTimer);
  // Timers clamp at 2^31-1 ms; a longer token is still checked by the server on each call.
  const wait = Math.min(current.expiresAtMs - Date.now(), 2_147_483_647);
  expiryTimer = setTimeout(() => signOut("Your session has expired. Sign in again."), Math.max(wait, 0));
  publish("");
}

export function signOut(reason = "You have signed out."): void {
  const token = current?.token;
  current = null;
  clearTimeout(expiryTimer);
  publish(reason);
  // Revoked server-side too, so a copy of the token is worth nothing.
  if (token) void api.auth.invalidateToken({ token }, { headers: { authorization: `Bearer ${token}` } }).catch(() => {});
}

export function describe(failure: unknown): string {
  if (failure instanceof ConnectError) return `${Code[failure.code]}: ${failure.rawMessage}`;
  return String(failure);
}
