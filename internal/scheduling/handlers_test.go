package scheduling

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/mail"
)

type fakeAPI struct {
	calls []StatusChange
	err   error
}

func (f *fakeAPI) SetStatus(_ context.Context, _ uuid.UUID, c StatusChange) error {
	f.calls = append(f.calls, c)
	return f.err
}

type fakeModel struct {
	WriteModel
	info       SessionInfo
	found      bool
	capacity   Capacity
	recipients []string
	data       mail.Data
}

func (f *fakeModel) SessionInfo(context.Context, uuid.UUID) (SessionInfo, bool, error) {
	return f.info, f.found, nil
}
func (f *fakeModel) Capacity(context.Context, uuid.UUID) (Capacity, error) { return f.capacity, nil }
func (f *fakeModel) Recipients(_ context.Context, _ SessionInfo, holders bool) ([]string, error) {
	return f.recipients, nil
}
func (f *fakeModel) MailData(context.Context, MailPayload) (mail.Data, bool, error) {
	return f.data, true, nil
}

type fakeSender struct {
	sent []*mail.Message
	err  error
}

func (f *fakeSender) Send(_ context.Context, m *mail.Message) error {
	if f.err != nil {
		return f.err
	}
	f.sent = append(f.sent, m)
	return nil
}

func sessionJob(k Kind, s Session) Job {
	p, _ := json.Marshal(s)
	return Job{Key: SessionKey(k, s.ID), Kind: k, Payload: p}
}

func TestOpenJobMapsTheAPIAnswers(t *testing.T) {
	s := session(StatusScheduled)
	for name, tc := range map[string]struct {
		err  error
		want State
	}{
		"ok": {nil, Done}, "stale": {ErrStale, Dropped}, "refused": {ErrForbidden, Dropped},
		"gone": {ErrNotFound, Dropped}, "down": {errors.New("connection refused"), ""},
	} {
		api := &fakeAPI{err: tc.err}
		h := &Handlers{API: api}
		r := h.Run(context.Background(), sessionJob(KindOpen, s), t0)
		if r.State != tc.want || (tc.want == "" && r.Err == nil) {
			t.Errorf("%s: %+v, want state %q", name, r, tc.want)
		}
		if len(api.calls) != 1 || api.calls[0].Status != StatusOnSale || !api.calls[0].ExpectedSalesStart.Equal(s.SalesStart) {
			t.Errorf("%s: calls %+v, want ON_SALE expecting the planned sales start", name, api.calls)
		}
	}
}

func TestAvailabilityJob(t *testing.T) {
	s := session(StatusOnSale)
	job := func() Job {
		p, _ := json.Marshal(AvailabilityPayload{SessionID: s.ID})
		return Job{Key: SessionKey(KindAvailability, s.ID), Kind: KindAvailability, Payload: p}
	}
	api := &fakeAPI{}
	m := &fakeModel{info: SessionInfo{Session: s}, found: true, capacity: Capacity{Sellable: 2}}
	h := &Handlers{API: api, Model: m}
	if r := h.Run(context.Background(), job(), t0); r.State != Done || len(api.calls) != 1 || api.calls[0].Status != StatusSoldOut || api.calls[0].ExpectedStatus != StatusOnSale {
		t.Fatalf("nothing left: %+v %+v, want SOLD_OUT expecting ON_SALE", r, api.calls)
	}
	api.err = ErrStale
	if r := h.Run(context.Background(), job(), t0); r.Err == nil || r.State != "" {
		t.Errorf("status moved while counting: %+v, want a retry (count again)", r)
	}
	api.calls, api.err = nil, nil
	m.capacity = Capacity{Sellable: 2, Available: 1}
	if r := h.Run(context.Background(), job(), t0); r.State != Done || len(api.calls) != 0 {
		t.Errorf("seats left on sale: %+v %+v, want no call", r, api.calls)
	}
	m.info.Status = StatusClosed
	m.capacity = Capacity{Sellable: 2}
	if r := h.Run(context.Background(), job(), t0); r.State != Done || len(api.calls) != 0 {
		t.Errorf("closed session: %+v %+v, want no call", r, api.calls)
	}
}

func TestReminderJobFansOutOrDropsWhenLate(t *testing.T) {
	s := session(StatusOnSale)
	m := &fakeModel{info: SessionInfo{Session: s, EventStatus: "APPROVED"}, found: true, recipients: []string{"a@x.example", "b@x.example"}}
	h := &Handlers{Model: m}
	due := s.Start.Add(-StartReminderLead)
	r := h.Run(context.Background(), sessionJob(KindReminderStart, s), due.Add(time.Second))
	if r.State != Done || len(r.Plans) != 2 || r.Plans[0].Key != MailKey(MailReminderStart, s.ID, "a@x.example") {
		t.Fatalf("due reminder: %+v, want one mail per recipient", r)
	}
	if r := h.Run(context.Background(), sessionJob(KindReminderStart, s), s.Start.Add(time.Minute)); r.State != Dropped || len(r.Plans) != 0 {
		t.Errorf("after the session started: %+v, want dropped", r)
	}
	m.info.EventStatus = "PENDING"
	if r := h.Run(context.Background(), sessionJob(KindReminderStart, s), due); r.State != Dropped {
		t.Errorf("event not approved: %+v, want dropped", r)
	}
	m.info.EventStatus = "APPROVED"
	if r := h.Run(context.Background(), sessionJob(KindReminderSales, s), s.SalesStart.Add(-SalesReminderLead)); r.State != Dropped {
		t.Errorf("sales reminder of a session already on sale: %+v, want dropped", r)
	}
}

func TestMailJob(t *testing.T) {
	evID := uuid.New()
	p := PlanMail(MailPayload{Kind: MailApproved, To: "o@x.example", EventID: evID}, t0)
	job := Job{Key: p.Key, Kind: KindMail, Payload: p.Payload}
	m := &fakeModel{data: mail.Data{Kind: mail.EventApproved, To: "o@x.example", Event: mail.Event{ID: evID, Title: "T", OrganizationName: "O"}}}
	snd := &fakeSender{}
	h := &Handlers{Model: m, Sender: snd, MailOptions: mail.Options{WebURL: "https://ticketly.example"}}
	if r := h.Run(context.Background(), job, t0); r.State != Done || len(snd.sent) != 1 || !strings.HasPrefix(snd.sent[0].MessageID, MessageID(p.Key)) {
		t.Fatalf("mail: %+v, sent %d, want one with the job's message id", r, len(snd.sent))
	}
	snd.err = errors.New("connection reset")
	if r := h.Run(context.Background(), job, t0); r.State != "" || r.Err == nil {
		t.Errorf("transient failure: %+v, want a retry", r)
	}
	m.data.To = ""
	if r := h.Run(context.Background(), job, t0); r.State != Failed {
		t.Errorf("mail that cannot be composed: %+v, want FAILED", r)
	}
}
