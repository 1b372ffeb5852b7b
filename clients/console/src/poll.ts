import { useEffect, useState } from "preact/hooks";
import { describe } from "./session.js";

/** Calls `fetch` now and every `everyMs` while the page shows (again when `deps`
 * change); the latest answer, the latest failure ("" once one succeeds), and when. */
export function usePolling<T>(fetch: () => Promise<T>, everyMs: number, deps: unknown[]) {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState("");
  const [updated, setUpdated] = useState("");
  useEffect(() => {
    let live = true;
    async function load() {
      try {
        const reply = await fetch();
        if (!live) return;
        setValue(reply);
        setError("");
        setUpdated(new Date().toLocaleTimeString());
      } catch (failure) {
        if (live) setError(describe(failure));
      }
    }
    void load();
    const timer = setInterval(load, everyMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, deps);
  return { value, error, updated };
}
