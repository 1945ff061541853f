package catcher

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Detail is the JSON form of one message: the summary, the headers (encoded words decoded)
// and the decoded plain-text and HTML bodies.
type Detail struct {
	Summary
	Headers     map[string][]string `json:"headers"`
	Text        string              `json:"text"`
	HTML        string              `json:"html,omitempty"`
	Attachments []Attachment        `json:"attachments"`
	ParseError  string              `json:"parse_error,omitempty"`
}

// Attachment describes a non-body MIME part.
type Attachment struct {
	Filename    string `json:"filename,omitempty"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
}

// maxDepth bounds the nesting of multipart bodies that Detail walks.
const maxDepth = 10

// Detail parses the raw message into its detailed form. A malformed message still yields
// the summary; the problem is reported in ParseError.
func (m *Message) Detail() Detail {
	d := Detail{Summary: m.Summary(), Headers: map[string][]string{}, Attachments: []Attachment{}}
	msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		d.ParseError = err.Error()
		return d
	}
	for k, vs := range msg.Header {
		for _, v := range vs {
			d.Headers[k] = append(d.Headers[k], decodeHeader(v))
		}
	}
	if err := walkPart(msg.Header, msg.Body, &d, 0); err != nil {
		d.ParseError = err.Error()
	}
	return d
}

type headerGetter interface{ Get(key string) string }

func walkPart(h headerGetter, body io.Reader, d *Detail, depth int) error {
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain; charset=us-ascii" // RFC 2045 section 5.2
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil {
		mediaType, params = "text/plain", map[string]string{}
	}

	if strings.HasPrefix(mediaType, "multipart/") {
		if depth >= maxDepth {
			return errors.New("multipart nesting too deep")
		}
		boundary := params["boundary"]
		if boundary == "" {
			return fmt.Errorf("%s without boundary", mediaType)
		}
		mr := multipart.NewReader(body, boundary)
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("reading %s: %w", mediaType, err)
			}
			if err := walkPart(p.Header, p, d, depth+1); err != nil {
				return err
			}
		}
	}

	data, err := io.ReadAll(transferDecoder(h.Get("Content-Transfer-Encoding"), body))
	if err != nil {
		return fmt.Errorf("decoding %s part: %w", mediaType, err)
	}
	disposition, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	filename := dparams["filename"]
	if filename == "" {
		filename = params["name"]
	}
	if disposition != "attachment" {
		switch {
		case mediaType == "text/plain" && d.Text == "":
			d.Text = toUTF8(data, params["charset"])
			return nil
		case mediaType == "text/html" && d.HTML == "":
			d.HTML = toUTF8(data, params["charset"])
			return nil
		}
	}
	d.Attachments = append(d.Attachments, Attachment{Filename: decodeHeader(filename), ContentType: mediaType, Size: len(data)})
	return nil
}

func transferDecoder(encoding string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "base64":
		// The decoder skips the CR and LF of wrapped lines.
		return base64.NewDecoder(base64.StdEncoding, r)
	default: // 7bit, 8bit, binary
		return r
	}
}

// toUTF8 converts the charsets a Go program can convert without extra packages (UTF-8,
// US-ASCII, ISO-8859-1 and its Windows-1252 superset, read as Latin-1); other bytes are
// returned as they are.
func toUTF8(b []byte, charset string) string {
	switch strings.ToLower(charset) {
	case "iso-8859-1", "latin1", "iso_8859-1", "windows-1252", "cp1252":
		if isASCII(b) {
			return string(b)
		}
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return string(r)
	default:
		return string(b)
	}
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// charsetReader lets mime.WordDecoder read Windows-1252 encoded words (UTF-8, US-ASCII and
// ISO-8859-1 are built in).
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "windows-1252", "cp1252", "latin1":
		b, err := io.ReadAll(input)
		if err != nil {
			return nil, err
		}
		return strings.NewReader(toUTF8(b, "iso-8859-1")), nil
	}
	return nil, fmt.Errorf("unhandled charset %q", charset)
}
