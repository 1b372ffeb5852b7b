import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Dashboard } from "./pages/dashboard.js";
import { Groups } from "./pages/groups.js";
import { Health } from "./pages/health.js";
import { Moderation } from "./pages/moderation.js";
import { Notifications } from "./pages/notifications.js";
import { SignIn } from "./pages/signin.js";
import { Users } from "./pages/users.js";
import { onSessionChange, signOut, type Session } from "./session.js";

const PAGES = [
  { id: "dashboard", title: "Dashboard", view: Dashboard },
  { id: "users", title: "Users", view: Users },
  { id: "groups", title: "Groups", view: Groups },
  { id: "moderation", title: "Moderation", view: Moderation },
  { id: "notifications", title: "Notifications", view: Notifications },
  { id: "health", title: "Health", view: Health },
] as const;

function pageFromHash(): string {
  const id = location.hash.replace(/^#\/?/, "");
  return PAGES.some((p) => p.id === id) ? id : "dashboard";
}

function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [notice, setNotice] = useState("");
  const [page, setPage] = useState(pageFromHash());

  useEffect(
    () =>
      onSessionChange((s, reason) => {
        setSession(s);
        setNotice(reason);
      }),
    [],
  );
  useEffect(() => {
    const follow = () => setPage(pageFromHash());
    addEventListener("hashchange", follow);
    return () => removeEventListener("hashchange", follow);
  }, []);
  const current = PAGES.find((p) => p.id === page) ?? PAGES[0];
  useEffect(() => {
    document.title = session ? `${current.title} · Parley console` : "Sign in · Parley console";
    // Focus the new page's heading so keyboard and screen-reader users land on it.
    document.getElementById("page-title")?.focus();
  }, [session, current]);

  if (!session) return <SignIn notice={notice} />;
  const View = current.view;
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <span class="brand">Parley console</span>
        <nav aria-label="Sections">
          <ul>
            {PAGES.map((p) => (
              <li key={p.id}>
                <a href={`#/${p.id}`} aria-current={p.id === current.id ? "page" : undefined}>
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          Signed in as <strong>{session.adminId}</strong>
          <button type="button" onClick={() => signOut()}>Sign out</button>
        </span>
      </header>
      <main id="main">
        <h1 id="page-title" tabIndex={-1}>{current.title}</h1>
        <View />
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
