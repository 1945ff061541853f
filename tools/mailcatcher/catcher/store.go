// Package catcher is a development SMTP catcher: it accepts every mail offered over SMTP,
// keeps the most recent ones in memory and serves them over a small HTTP/JSON API.
package catcher

import (
	"bytes"
	"mime"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Message is one stored mail: the SMTP envelope plus the raw message as received.
type Message struct {
	ID       string
	From     string   // envelope sender (MAIL FROM)
	To       []string // envelope recipients (RCPT TO), BCC included
	Subject  string   // decoded Subject header
	Date     time.Time
	Received time.Time
	Raw      []byte
	header   mail.Header
}

// Summary is the JSON form of a message in a list.
type Summary struct {
	ID       string    `json:"id"`
	From     string    `json:"from"`
	To       []string  `json:"to"`
	Subject  string    `json:"subject"`
	Date     time.Time `json:"date"`
	Received time.Time `json:"received"`
	Size     int       `json:"size"`
}

// Summary returns the list form of m.
func (m *Message) Summary() Summary {
	return Summary{
		ID: m.ID, From: m.From, To: append([]string{}, m.To...), Subject: m.Subject,
		Date: m.Date, Received: m.Received, Size: len(m.Raw),
	}
}

// Store keeps the newest messages in memory, bounded by count and by total size.
type Store struct {
	mu       sync.RWMutex
	maxCount int
	maxBytes int64
	bytes    int64
	nextID   uint64
	msgs     []*Message // oldest first
	byID     map[string]*Message
}

// NewStore returns a store that keeps at most maxCount messages of at most maxBytes in
// total (a limit <= 0 means no limit), dropping the oldest first.
func NewStore(maxCount int, maxBytes int64) *Store {
	return &Store{maxCount: maxCount, maxBytes: maxBytes, byID: map[string]*Message{}}
}

// Add stores a message received with the given envelope and returns it.
func (s *Store) Add(from string, to []string, raw []byte) *Message {
	now := time.Now().UTC()
	m := &Message{From: from, To: append([]string{}, to...), Received: now, Date: now, Raw: raw}
	if msg, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		m.header = msg.Header
		m.Subject = decodeHeader(msg.Header.Get("Subject"))
		if d, err := msg.Header.Date(); err == nil {
			m.Date = d
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	m.ID = strconv.FormatUint(s.nextID, 10)
	s.msgs = append(s.msgs, m)
	s.byID[m.ID] = m
	s.bytes += int64(len(raw))
	for len(s.msgs) > 1 && ((s.maxCount > 0 && len(s.msgs) > s.maxCount) || (s.maxBytes > 0 && s.bytes > s.maxBytes)) {
		old := s.msgs[0]
		s.msgs[0] = nil
		s.msgs = s.msgs[1:]
		delete(s.byID, old.ID)
		s.bytes -= int64(len(old.Raw))
	}
	return m
}

// Get returns the message with the given id.
func (s *Store) Get(id string) (*Message, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, ok := s.byID[id]
	return m, ok
}

// List returns the messages newest first; a non-empty to keeps only the messages with that
// recipient (envelope, To or Cc; case-insensitive); limit > 0 caps the result.
func (s *Store) List(to string, limit int) []*Message {
	to = normalizeAddr(to)
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*Message, 0, min(len(s.msgs), 100))
	for i := len(s.msgs) - 1; i >= 0; i-- {
		m := s.msgs[i]
		if to != "" && !m.hasRecipient(to) {
			continue
		}
		out = append(out, m)
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out
}

// Delete removes one message; it reports whether it existed.
func (s *Store) Delete(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.byID[id]
	if !ok {
		return false
	}
	delete(s.byID, id)
	s.bytes -= int64(len(m.Raw))
	for i, x := range s.msgs {
		if x == m {
			s.msgs = append(s.msgs[:i], s.msgs[i+1:]...)
			break
		}
	}
	return true
}

// Clear removes every message and returns how many there were.
func (s *Store) Clear() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.msgs)
	s.msgs, s.byID, s.bytes = nil, map[string]*Message{}, 0
	return n
}

// Len returns the number of stored messages.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.msgs)
}

func (m *Message) hasRecipient(addr string) bool {
	for _, r := range m.To {
		if normalizeAddr(r) == addr {
			return true
		}
	}
	if m.header == nil {
		return false
	}
	for _, h := range []string{"To", "Cc"} {
		list, err := m.header.AddressList(h)
		if err != nil {
			continue
		}
		for _, a := range list {
			if normalizeAddr(a.Address) == addr {
				return true
			}
		}
	}
	return false
}

func normalizeAddr(a string) string {
	return strings.ToLower(strings.Trim(strings.TrimSpace(a), "<>"))
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// decodeHeader decodes RFC 2047 encoded words; it returns v unchanged if that fails.
func decodeHeader(v string) string {
	d, err := wordDecoder.DecodeHeader(v)
	if err != nil {
		return v
	}
	return d
}
