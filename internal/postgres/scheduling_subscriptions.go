package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Subscription targets: what a user follows.
const (
	FollowEvent        = "event"
	FollowSession      = "session"
	FollowOrganization = "organization"
)

// MaxSubscriptionsPerUser bounds what one user can follow (and what one list answers).
const MaxSubscriptionsPerUser = 1000

// ErrTooManySubscriptions: the user already follows MaxSubscriptionsPerUser targets.
var ErrTooManySubscriptions = errors.New("too many subscriptions")

// Subscription is one user following one event, session or organization. Email is the
// address mails go to (the `email` claim of the token that subscribed or placed the order);
// Source is "user" (subscribed through the API) or "purchase" (a buyer of a paid order
// follows its session).
type Subscription struct {
	ID        uuid.UUID
	UserID    string
	Email     string
	Target    string
	TargetID  uuid.UUID
	Source    string
	CreatedAt time.Time
}

// Subscriptions stores who follows what (schema scheduling).
type Subscriptions struct{ pool *pgxpool.Pool }

// NewSubscriptions returns the subscription store over pool.
func NewSubscriptions(pool *pgxpool.Pool) *Subscriptions { return &Subscriptions{pool: pool} }

// targetColumn is the column of each target kind (a fixed set: never from input).
var targetColumn = map[string]string{
	FollowEvent:        "event_id",
	FollowSession:      "session_id",
	FollowOrganization: "organization_id",
}

// TargetVisible reports whether a target may be followed: an organization that exists, an
// approved event, or a session of an approved event (what the public can see), read from
// the write model through the scheduler's read-only grant on catalog.
func (s *Subscriptions) TargetVisible(ctx context.Context, target string, id uuid.UUID) (bool, error) {
	var q string
	switch target {
	case FollowEvent:
		q = `SELECT EXISTS (SELECT 1 FROM catalog.events WHERE id = $1 AND status IN ('APPROVED','COMPLETED'))`
	case FollowSession:
		q = `SELECT EXISTS (SELECT 1 FROM catalog.sessions s JOIN catalog.events e ON e.id = s.event_id
			WHERE s.id = $1 AND e.status IN ('APPROVED','COMPLETED'))`
	case FollowOrganization:
		q = `SELECT EXISTS (SELECT 1 FROM catalog.organizations WHERE id = $1)`
	default:
		return false, fmt.Errorf("unknown subscription target %q", target)
	}
	var ok bool
	if err := s.pool.QueryRow(ctx, q, id).Scan(&ok); err != nil {
		return false, fmt.Errorf("look up %s %s: %w", target, id, err)
	}
	return ok, nil
}

// Subscribe makes userID follow the target and returns the subscription and whether it is
// new. Following the same target again returns the existing subscription (its address
// refreshed to email); source is "user" or "purchase".
func (s *Subscriptions) Subscribe(ctx context.Context, userID, email, target string, id uuid.UUID, source string) (Subscription, bool, error) {
	col, ok := targetColumn[target]
	if !ok {
		return Subscription{}, false, fmt.Errorf("unknown subscription target %q", target)
	}
	var (
		sub     Subscription
		created bool
	)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// One user's subscriptions are counted under a per-user advisory lock, so two
		// concurrent requests cannot both pass the limit.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('subscriptions:' || $1, 0))`, userID); err != nil {
			return fmt.Errorf("lock subscriptions of %s: %w", userID, err)
		}
		row := tx.QueryRow(ctx, `UPDATE scheduling.subscriptions SET email = CASE WHEN $3 = '' THEN email ELSE $3 END
			WHERE user_id = $1 AND `+col+` = $2
			RETURNING id, created_at, source`, userID, id, email)
		switch err := row.Scan(&sub.ID, &sub.CreatedAt, &sub.Source); {
		case err == nil:
			return nil
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("find subscription: %w", err)
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM scheduling.subscriptions WHERE user_id = $1`, userID).Scan(&n); err != nil {
			return fmt.Errorf("count subscriptions: %w", err)
		}
		if n >= MaxSubscriptionsPerUser {
			return ErrTooManySubscriptions
		}
		sub.ID, sub.Source, created = uuid.New(), source, true
		return tx.QueryRow(ctx, `INSERT INTO scheduling.subscriptions (id, user_id, email, `+col+`, source)
			VALUES ($1, $2, $3, $4, $5) RETURNING created_at`, sub.ID, userID, email, id, source).Scan(&sub.CreatedAt)
	})
	if err != nil {
		return Subscription{}, false, err
	}
	sub.UserID, sub.Email, sub.Target, sub.TargetID = userID, email, target, id
	return sub, created, nil
}

// Mine lists userID's subscriptions, oldest first.
func (s *Subscriptions) Mine(ctx context.Context, userID string) ([]Subscription, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, user_id, email, event_id, session_id, organization_id, source, created_at
		FROM scheduling.subscriptions WHERE user_id = $1 ORDER BY created_at, id LIMIT $2`, userID, MaxSubscriptionsPerUser)
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Subscription, error) {
		var (
			sub                 Subscription
			event, session, org *uuid.UUID
		)
		if err := row.Scan(&sub.ID, &sub.UserID, &sub.Email, &event, &session, &org, &sub.Source, &sub.CreatedAt); err != nil {
			return sub, err
		}
		switch {
		case event != nil:
			sub.Target, sub.TargetID = FollowEvent, *event
		case session != nil:
			sub.Target, sub.TargetID = FollowSession, *session
		case org != nil:
			sub.Target, sub.TargetID = FollowOrganization, *org
		}
		return sub, nil
	})
}

// Unsubscribe deletes userID's subscription id; false if userID has no such subscription
// (another user's subscription is not theirs to see or delete).
func (s *Subscriptions) Unsubscribe(ctx context.Context, userID string, id uuid.UUID) (bool, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM scheduling.subscriptions WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return false, fmt.Errorf("delete subscription: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}
