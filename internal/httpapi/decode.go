package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/ticketly/ticketly/internal/apperr"
)

// DefaultMaxBody is the request body limit unless a route sets its own.
const DefaultMaxBody = 1 << 20

// DecodeJSON reads exactly one JSON object from r's body into dst: the content type must be
// JSON, the body at most maxBytes, unknown fields are refused, and every failure is an
// application error whose message says what was wrong and where.
func DecodeJSON(w http.ResponseWriter, r *http.Request, dst any, maxBytes int64) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return apperr.New(apperr.UnsupportedMediaType, "content type must be application/json, got %q", ct)
		}
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBody
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, maxBytes)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return decodeError(err, maxBytes)
		}
		return apperr.New(apperr.Invalid, "request body must hold a single JSON object")
	}
	return nil
}

func decodeError(err error, maxBytes int64) error {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
		mbe    *http.MaxBytesError
	)
	switch {
	case errors.As(err, &mbe):
		return apperr.New(apperr.PayloadTooLarge, "request body exceeds %d bytes", maxBytes)
	case errors.Is(err, io.EOF):
		return apperr.New(apperr.Invalid, "request body is empty; a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.New(apperr.Invalid, "request body is not valid JSON: unexpected end of input")
	case errors.As(err, &syntax):
		return apperr.New(apperr.Invalid, "request body is not valid JSON at byte %d: %v", syntax.Offset, syntax)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		return apperr.New(apperr.Invalid, "field %q must be %s, got JSON %s", field, jsonKind(typ.Type.Kind().String()), typ.Value).
			WithDetails(map[string]any{"fields": map[string]any{field: fmt.Sprintf("must be %s", jsonKind(typ.Type.Kind().String()))}})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.New(apperr.Invalid, "unknown field %q", name).
			WithDetails(map[string]any{"fields": map[string]any{name: "unknown field"}})
	default:
		return apperr.New(apperr.Invalid, "request body could not be read: %v", err)
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "slice", "array":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	default:
		return "a " + goKind
	}
}
