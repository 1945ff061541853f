// Package mongo holds the MongoDB adapters of the read side (mongo-driver v2). The local
// stack serves the wire protocol with FerretDB, so only the operator subset both support is
// used (see reference/local-infra.md).
package mongo

import (
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Connect returns a client for uri. mongo-driver v2 connects lazily: Ping for readiness.
func Connect(uri string) (*mongo.Client, error) {
	c, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		return nil, fmt.Errorf("connect to mongodb: %w", err)
	}
	return c, nil
}
