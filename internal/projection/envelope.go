// Package projection turns the Debezium change stream of the write model into the
// read-model documents of the query side. Its functions are pure: the same changes applied
// in the same order give the same documents, whichever process applies them (the MongoDB
// projector, a replica's in-memory view, a rebuild), and a change applied again is a no-op
// because every row remembers the LSN of the last change applied to it.
package projection

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Op is a Debezium operation.
type Op string

const (
	OpCreate Op = "c"
	OpUpdate Op = "u"
	OpDelete Op = "d"
	OpRead   Op = "r" // snapshot
)

// Change is one decoded Debezium change event of a PostgreSQL row.
type Change struct {
	Schema string
	Table  string
	Op     Op
	Before json.RawMessage // the row before (REPLICA IDENTITY FULL), JSON null if none
	After  json.RawMessage // the row after, JSON null on delete
	LSN    int64           // WAL position of this change; per row, LSN order is commit order
	TsMs   int64           // commit time in the database, ms since epoch
}

// Row is the row image that matters: After, or Before for a delete.
func (c Change) Row() json.RawMessage {
	if c.Op == OpDelete {
		return c.Before
	}
	return c.After
}

// Committed returns the commit time of the change.
func (c Change) Committed() time.Time { return time.UnixMilli(c.TsMs).UTC() }

// ErrPoison marks a change that can never be applied (malformed envelope or row); it goes
// to a dead-letter topic instead of blocking its partition.
var ErrPoison = errors.New("poison change")

func poison(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrPoison, fmt.Sprintf(format, args...))
}

// maxKeyLen bounds a row id used in a document field name.
const maxKeyLen = 64

// keySafe reports whether a row id may become part of a document field name (a version
// key such as "tier:<id>", a seat id in a seat-status map). The rows that feed those keys
// have UUID primary keys, so anything but a short token of letters, digits, '-' and '_' —
// a dot, a leading '$', a NUL byte, which a document store refuses or misreads — did not
// come from the database and is poison.
func keySafe(id string) bool {
	if id == "" || len(id) > maxKeyLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// Decode parses a Debezium JSON envelope (JsonConverter, schemas disabled). A nil value
// (tombstone) returns ok=false and no error.
func Decode(value []byte) (c Change, ok bool, err error) {
	if len(value) == 0 {
		return Change{}, false, nil
	}
	var env struct {
		Op     Op              `json:"op"`
		Before json.RawMessage `json:"before"`
		After  json.RawMessage `json:"after"`
		Source struct {
			Schema string `json:"schema"`
			Table  string `json:"table"`
			LSN    int64  `json:"lsn"`
			TsMs   int64  `json:"ts_ms"`
		} `json:"source"`
	}
	if err := json.Unmarshal(value, &env); err != nil {
		return Change{}, false, poison("envelope is not JSON: %v", err)
	}
	switch env.Op {
	case OpCreate, OpUpdate, OpRead:
		if isNull(env.After) {
			return Change{}, false, poison("%s change without an after image", env.Op)
		}
	case OpDelete:
		if isNull(env.Before) {
			return Change{}, false, poison("delete without a before image (REPLICA IDENTITY FULL missing?)")
		}
	case "t", "m":
		return Change{}, false, nil // truncate and logical messages carry no row
	default:
		return Change{}, false, poison("unknown op %q", env.Op)
	}
	if env.Source.Table == "" || env.Source.LSN <= 0 {
		return Change{}, false, poison("envelope without source table or lsn")
	}
	return Change{Schema: env.Source.Schema, Table: env.Source.Table, Op: env.Op, Before: env.Before,
		After: env.After, LSN: env.Source.LSN, TsMs: env.Source.TsMs}, true, nil
}

func isNull(m json.RawMessage) bool {
	s := strings.TrimSpace(string(m))
	return s == "" || s == "null"
}

// jsonColumn decodes a json/jsonb column, which Debezium sends as a string of JSON text.
func jsonColumn(raw *string, dst any) error {
	if raw == nil || *raw == "" {
		return nil
	}
	return json.Unmarshal([]byte(*raw), dst)
}

// timeColumn normalises a timestamptz column (ISO-8601 UTC from Debezium) to RFC 3339 UTC.
func timeColumn(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return "", err
	}
	return t.UTC().Format(time.RFC3339), nil
}
