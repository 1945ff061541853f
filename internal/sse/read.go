package sse

import (
	"bufio"
	"io"
	"strings"
)

// Event is one server-sent event as a client reads it; a comment line (a heartbeat) comes
// as an event with Comment set.
type Event struct {
	ID, Name, Data string
	Comment        string
}

// Read parses an event stream (the client side: tests and load tools), calling fn for each
// event once its blank line ends it, in whatever order its fields came (r3labs writes data
// before the event name). It returns when r ends.
func Read(r io.Reader, fn func(Event)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 32<<20) // snapshots of large venues are long lines
	var ev Event
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.Name != "" || ev.Data != "" {
				fn(ev)
			}
			ev = Event{}
		case strings.HasPrefix(line, ":"):
			fn(Event{Comment: strings.TrimSpace(line[1:])})
		default:
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "id":
				ev.ID = value
			case "event":
				ev.Name = value
			case "data":
				ev.Data = value
			}
		}
	}
	return sc.Err()
}
