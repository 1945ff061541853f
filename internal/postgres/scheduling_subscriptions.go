package postgres

import "github.com/jackc/pgx/v5/pgxpool"

// Subscriptions stores who follows what (schema scheduling).
type Subscriptions struct{ pool *pgxpool.Pool }

// NewSubscriptions returns the subscription store over pool.
func NewSubscriptions(pool *pgxpool.Pool) *Subscriptions { return &Subscriptions{pool: pool} }
