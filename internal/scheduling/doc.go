// Package scheduling is the scheduler's domain: durable jobs with deterministic keys, the
// planner that turns write-model changes (CDC records, the periodic sweep) into jobs, the
// runner that claims and runs due jobs, the availability rule behind SOLD_OUT and the
// trending formula. Time comes from a Clock, so tests move it instead of waiting.
//
// # Jobs
//
// A job is a row of scheduling.jobs keyed deterministically: session.open:<sid> (due at
// sales_start_time), session.close:<sid> (due at min(sales_end_time, end_time)),
// reminder.start:<sid> (start_time − 24 h), reminder.sales:<sid> (sales_start_time − 30 min),
// session.availability:<sid> (due now, coalescing), session.cancel_orders:<sid> (due now
// when a session is cancelled or deleted, and from the sweep while a cancelled or deleted
// session still has live orders: it asks the order service to refund the paid ones and
// cancel the unpaid ones, one batch per run, again at once while a batch gets somewhere and
// with backoff when none does), mail:<kind>:<object id>:<address> (one
// per recipient and purpose: the primary key makes a mail at most once), and the recurring
// trending and sweep jobs. Planning the same job twice is one row; an older version of a
// session (its updated_at in microseconds) never moves a job planned from a newer one.
//
// Every replica runs N workers; each claims one due job with SELECT … FOR UPDATE SKIP LOCKED,
// runs its effect and records the outcome (done, dropped with a reason, retried with
// exponential backoff, failed after MaxAttempts) in the same transaction. A replica killed
// mid-job drops its connection, PostgreSQL releases the row lock and another replica runs
// the job: nothing is lost. A mail is sent twice only if the kill lands between the SMTP
// server's final 250 reply and our COMMIT (well under a millisecond). Leader election was
// not used: both replicas work, there is no fail-over delay, and the database already is the
// single truth about what is due.
//
// A cancelled session mails each buyer once: a paid order through its refund row
// (order.refunded, reason "session cancelled"; the order's REFUNDED status mails nothing),
// an unpaid or free order through its status change (order.cancelled, with the reason).
//
// # Availability (where SOLD_OUT is decided)
//
// The scheduler decides SOLD_OUT and back, off the order hot path: every seat change plans
// session.availability:<sid> (due now, one pending row however many changes arrive), and
// that job counts what can still be held from the write model — the seats of the layout's
// seated blocks minus its blocked seats and minus live allocations (HELD, SOLD, BLOCKED),
// plus every standing block's capacity minus what is taken. Nothing left on an ON_SALE
// session → SOLD_OUT; anything left on a SOLD_OUT session → ON_SALE, each through
// event-command's internal API with the expected status as a precondition. The order
// service keeps selling on its own truth (PostgreSQL and Redis) and never waits for this; a
// session without any sellable capacity is never marked SOLD_OUT.
//
// # Trending
//
// For each event with sessions that have not ended:
//
//	hot          = Σ over VALID tickets issued in the last 72 h of 2^(−age / 6 h)
//	sell_through = VALID tickets / sellable capacity of those sessions (0 without capacity)
//	score        = round(hot × (1 + sell_through), 4)
//
// A sale counts 1 when it happens and half as much 6 hours later; a nearly sold-out event
// counts up to twice as hot. A row is rewritten only when its score moved by at least 0.5 %
// or 0.01, and deleted when the score falls below 0.01.
package scheduling
