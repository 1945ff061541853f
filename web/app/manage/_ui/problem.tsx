"use client";
// How the console shows an API error: 401 asks the user to sign in (and brings them back
// here), 403 says plainly that they are not allowed, anything else shows the service's
// message. FieldNote shows one field's problem from a 400's details.fields next to its input.
import { useEffect, useState } from "react";
import type { Problem } from "@/lib/manage";
import s from "./ui.module.css";

export function SignIn() {
  const [here, setHere] = useState("/manage");
  useEffect(() => setHere(window.location.pathname + window.location.search), []);
  return <a href={`/auth/login?returnTo=${encodeURIComponent(here)}`}>Sign in</a>;
}

/** name renders a field path for people (e.g. the block's name instead of blocks[0]); default: as is. */
type FieldName = (field: string) => string;

export function ProblemNote({ problem, action, name = (f) => f }: { problem: Problem | null | undefined; action?: string; name?: FieldName }) {
  if (!problem) return null;
  if (problem.status === 401) {
    return (
      <p role="alert" className={s.problem}>
        You are not signed in (or your session ended). <SignIn /> to continue.
      </p>
    );
  }
  if (problem.status === 403) {
    return (
      <p role="alert" className={s.problem} data-testid="not-allowed">
        <strong>Not allowed.</strong> Your account may not {action ?? "do this"}. <span className={s.detail}>({problem.message})</span>
      </p>
    );
  }
  const fields = Object.entries(problem.fields);
  return (
    <div role="alert" className={s.problem}>
      <p>{problem.message}</p>
      {fields.length > 0 && (
        <ul>
          {fields.map(([k, v]) => <li key={k}><code>{name(k)}</code>: {v}</li>)}
        </ul>
      )}
    </div>
  );
}

/** FieldNote renders the problem of field (exact path), with the id its input names in aria-describedby. */
export function FieldNote({ problem, field, id }: { problem: Problem | null | undefined; field: string; id: string }) {
  const msg = problem?.fields[field];
  return msg ? <span id={id} className={s.fieldError}>{msg}</span> : null;
}
