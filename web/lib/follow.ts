// Following an event, a session or an organization (the scheduler's subscriptions API): the
// event page shows, per target, whether the signed-in user follows it and offers to change it.

/** What can be followed. */
export type FollowKind = "event" | "session" | "organization";

/** A subscription as GET /api/v1/subscriptions lists it. */
export interface Subscription { id: string; event_id?: string; session_id?: string; organization_id?: string; source: string }

/** followBody is the body of POST /api/v1/subscriptions for one target. */
export function followBody(kind: FollowKind, id: string): Record<string, string> {
  return { [`${kind}_id`]: id };
}

/** subscriptionOf finds the subscription that follows the target, or returns null. */
export function subscriptionOf(items: Subscription[], kind: FollowKind, id: string): string | null {
  return items.find((s) => s[`${kind}_id`] === id)?.id ?? null;
}

/** followError words a failed follow or unfollow for the button's message. */
export function followError(status: number): string {
  if (status === 401) return "Your sign-in has expired: sign in again to follow.";
  if (status === 409) return "You already follow the maximum number of events.";
  if (status === 422) return "Your account has no e-mail address to send reminders to.";
  if (status === 404) return "This was no longer followed.";
  return "That did not work. Please try again.";
}
