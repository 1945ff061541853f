package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/ticketly/ticketly/internal/apperr"
)

// DefaultMaxBody is the request body limit unless a route sets its own.
const DefaultMaxBody = 1 << 20

// DecodeJSON reads exactly one JSON object from r's body into dst: the content type must be
// JSON, the body at most maxBytes, and the object strict (see UnmarshalStrict). Every
// failure is an application error whose message says what was wrong and where.
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
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.New(apperr.PayloadTooLarge, "request body exceeds %d bytes", maxBytes)
		}
		return apperr.Wrap(err, apperr.Invalid, "request body could not be read")
	}
	return UnmarshalStrict(body, dst)
}

// UnmarshalStrict decodes body, which must hold exactly one JSON object, into dst (a
// pointer to a struct or map) with the JSON v2 rules: member names match the struct's
// field names exactly (no case folding), unknown and duplicate names are refused, and
// strings must be valid UTF-8. A string holding NUL (\u0000) anywhere is refused too: no
// text the services store can hold it. An explicit null inside the object keeps its
// meaning (a nil pointer, or a field type that tells null from absent).
func UnmarshalStrict(body []byte, dst any) error {
	if err := checkJSONText(body); err != nil {
		return err
	}
	if err := json.Unmarshal(body, dst, json.RejectUnknownMembers(true)); err != nil {
		return decodeError(err, body)
	}
	return nil
}

// checkJSONText is the pass over the tokens that the unmarshalling cannot express: one
// top-level object and nothing after it, and no NUL in any name or string value.
func checkJSONText(body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return apperr.New(apperr.Invalid, "request body is empty; a JSON object is required")
	}
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	if k := dec.PeekKind(); k != '{' && k != 0 {
		return apperr.New(apperr.Invalid, "request body must be a JSON object, got %s", kindName(k))
	}
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return apperr.New(apperr.Invalid, "request body is not valid JSON: unexpected end of input")
			}
			return decodeError(err, body)
		}
		if tok.Kind() == '"' && strings.IndexByte(tok.String(), 0) >= 0 {
			field := FieldPath(dec.StackPointer())
			return fieldError(field, "must not contain the NUL character (\\u0000)")
		}
		if dec.StackDepth() == 0 {
			break
		}
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return apperr.New(apperr.Invalid, "request body must hold a single JSON object and nothing after it")
	}
	return nil
}

func decodeError(err error, body []byte) error {
	var (
		syn *jsontext.SyntacticError
		sem *json.SemanticError
	)
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.New(apperr.Invalid, "request body is not valid JSON: unexpected end of input")
	case errors.As(err, &syn):
		field := FieldPath(syn.JSONPointer)
		switch {
		case errors.Is(syn.Err, jsontext.ErrDuplicateName):
			return fieldError(field, "must appear only once")
		case !utf8.Valid(body) || strings.Contains(syn.Err.Error(), "surrogate"):
			return fieldError(field, "must be valid UTF-8 text")
		}
		return apperr.New(apperr.Invalid, "request body is not valid JSON at byte %d: %v", syn.ByteOffset, syn.Err)
	case errors.As(err, &sem):
		field := FieldPath(sem.JSONPointer)
		if errors.Is(sem.Err, json.ErrUnknownName) {
			return apperr.New(apperr.Invalid, "unknown field %q (field names are case-sensitive)", field).
				WithDetails(map[string]any{"fields": map[string]any{field: "unknown field"}})
		}
		if field == "" {
			field = "(body)"
		}
		want := "of another type"
		if sem.GoType != nil {
			want = jsonKind(sem.GoType)
		}
		var ae *apperr.Error
		if errors.As(sem.Err, &ae) { // an UnmarshalJSONFrom method's own verdict
			return fieldError(field, ae.Message)
		}
		return apperr.New(apperr.Invalid, "field %q must be %s, got JSON %s", field, want, sem.JSONKind).
			WithDetails(map[string]any{"fields": map[string]any{field: "must be " + want}})
	default:
		return apperr.Wrap(err, apperr.Invalid, "request body could not be decoded")
	}
}

func fieldError(field, problem string) error {
	if field == "" {
		field = "(body)"
	}
	return apperr.New(apperr.Invalid, "field %q %s", field, problem).
		WithDetails(map[string]any{"fields": map[string]any{field: problem}})
}

// FieldPath writes a JSON pointer the way field errors name fields: "layout.blocks[0].id".
func FieldPath(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if _, err := strconv.ParseUint(tok, 10, 64); err == nil && b.Len() > 0 {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '[':
		return "an array"
	default:
		return fmt.Sprintf("%q", rune(k))
	}
}

func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	default:
		return "a " + t.Kind().String()
	}
}
