package status_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/status"
	"github.com/productionflow/privacy-desk/shared/token"
)

// trail is a fake Store: requests and their trails.
type trail struct {
	requests map[string]*request.Request
	events   map[string][]request.Event
}

var _ status.Store = (*trail)(nil)

func (f *trail) Get(_ context.Context, id string) (*request.Request, error) {
	r, ok := f.requests[id]
	if !ok {
		return nil, request.ErrNotFound
	}
	c := *r
	return &c, nil
}

func (f *trail) Events(_ context.Context, id string) ([]request.Event, error) {
	return f.events[id], nil
}

var t0 = time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)

type fixture struct {
	links  *status.Links
	svc    *status.Service
	tokens *token.MemStore
	store  *trail
	now    time.Time
	r      *request.Request
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{tokens: token.NewMemStore(), now: t0}
	now := func() time.Time { return f.now }
	f.r = &request.Request{ID: "PR-STAT-AAAA-AAAA-AAAA", Kinds: []request.Kind{request.Deletion, request.OptOutSale}, Status: request.Acknowledged,
		Requester: request.Identity{Name: "Ada Lovelace", Email: "ada@example.org"}, ReceivedAt: t0,
		Due: request.Due{Response: t0.AddDate(0, 0, 45), Extended: t0.AddDate(0, 0, 90), OptOut: t0.AddDate(0, 0, 15)}}
	f.store = &trail{requests: map[string]*request.Request{f.r.ID: f.r}, events: map[string][]request.Event{}}
	f.links = &status.Links{Tokens: f.tokens, Issuer: token.Issuer{Now: now}, Base: "https://privacy.example/status"}
	f.svc = &status.Service{Tokens: f.tokens, Store: f.store, Now: now}
	return f
}

func (f *fixture) link(t *testing.T) string {
	t.Helper()
	l, err := f.links.Link(context.Background(), f.r.ID)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(l, "https://privacy.example/status?t="), l)
	u, err := url.Parse(l)
	require.NoError(t, err)
	return u.Query().Get("t")
}

func TestLinkKeepsOnlyTheHash(t *testing.T) {
	f := newFixture(t)
	raw := f.link(t)
	hash, err := token.Hash(raw)
	require.NoError(t, err)
	rec, err := f.tokens.Get(context.Background(), hash)
	require.NoError(t, err)
	assert.Equal(t, token.Status, rec.Purpose)
	assert.Equal(t, f.r.ID, rec.RequestID)
	assert.Equal(t, t0.Add(status.TTL), rec.ExpiresAt)
	assert.NotContains(t, rec.Hash+rec.TaskToken+strings.Join(mapValues(rec.Data), " "), raw, "the raw token is stored nowhere")
	assert.NotEqual(t, raw, f.link(t), "each mail issues its own link")
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func TestLook(t *testing.T) {
	ctx := context.Background()
	t.Run("the request's ID, kinds, status and dates; read as often as opened", func(t *testing.T) {
		f := newFixture(t)
		raw := f.link(t)
		for range 3 {
			v, err := f.svc.Look(ctx, raw)
			require.NoError(t, err)
			assert.Equal(t, status.View{RequestID: f.r.ID, Kinds: f.r.Kinds, Status: request.Acknowledged, Verify: true,
				Received: t0, AnswerBy: f.r.Due.Response, OptOutBy: f.r.Due.OptOut}, v)
		}
	})
	t.Run("an extended request shows the extended date; a closed one when it closed", func(t *testing.T) {
		f := newFixture(t)
		raw := f.link(t)
		f.r.Status = request.Extended
		v, err := f.svc.Look(ctx, raw)
		require.NoError(t, err)
		assert.Equal(t, f.r.Due.Extended, v.ExtendedTo)
		f.r.Status = request.Completed
		f.store.events[f.r.ID] = []request.Event{{Action: request.StatusAction(request.Extended), At: t0.AddDate(0, 0, 30)},
			{Action: request.StatusAction(request.Completed), At: t0.AddDate(0, 0, 60)}}
		v, err = f.svc.Look(ctx, raw)
		require.NoError(t, err)
		assert.Equal(t, t0.AddDate(0, 0, 60), v.Closed)
		assert.True(t, v.AnswerBy.IsZero(), "no date to answer by once answered")
	})
	t.Run("late: the answer date passed, open, not extended", func(t *testing.T) {
		f := newFixture(t)
		raw := f.link(t)
		f.r.Status = request.InProgress
		v, err := f.svc.Look(ctx, raw)
		require.NoError(t, err)
		assert.False(t, v.Late)
		f.now = f.r.Due.Response.Add(time.Hour)
		v, err = f.svc.Look(ctx, raw)
		require.NoError(t, err)
		assert.True(t, v.Late)
		f.r.Status = request.Completed
		v, err = f.svc.Look(ctx, raw)
		require.NoError(t, err)
		assert.False(t, v.Late, "answered")
	})
	t.Run("unclear mail reads as being read while open, not once closed", func(t *testing.T) {
		f := newFixture(t)
		raw := f.link(t)
		f.r.Kinds = []request.Kind{request.Unclear}
		v, err := f.svc.Look(ctx, raw)
		require.NoError(t, err)
		assert.True(t, v.Unclear)
		f.r.Status = request.NotARequest
		v, err = f.svc.Look(ctx, raw)
		require.NoError(t, err)
		assert.False(t, v.Unclear, "closed: the team has read it")
	})
	t.Run("unknown, revoked, expired, deleted", func(t *testing.T) {
		f := newFixture(t)
		_, err := f.svc.Look(ctx, "not-a-token")
		assert.ErrorIs(t, err, status.ErrUnknown)
		_, err = f.svc.Look(ctx, strings.Repeat("A", 43))
		assert.ErrorIs(t, err, status.ErrUnknown)

		old := f.link(t)
		f.now = t0.Add(time.Hour)
		f.store.events[f.r.ID] = []request.Event{{Action: request.ActionStatusLinksRevoked, At: f.now, Actor: "team:alice"}}
		_, err = f.svc.Look(ctx, old)
		assert.ErrorIs(t, err, status.ErrGone, "revoked by the team")
		f.now = t0.Add(2 * time.Hour)
		fresh := f.link(t)
		_, err = f.svc.Look(ctx, fresh)
		require.NoError(t, err, "a link issued after the revocation works")

		f.now = t0.Add(status.TTL + 2*time.Hour)
		_, err = f.svc.Look(ctx, fresh)
		assert.ErrorIs(t, err, status.ErrGone, "expired")

		f.now = t0.Add(3 * time.Hour)
		delete(f.store.requests, f.r.ID)
		_, err = f.svc.Look(ctx, fresh)
		assert.ErrorIs(t, err, status.ErrGone, "the request was deleted after its retention")
	})
	t.Run("a token of another purpose is not a status link", func(t *testing.T) {
		f := newFixture(t)
		raw, rec, err := (&token.Issuer{Now: func() time.Time { return t0 }}).Issue(token.Verify, f.r.ID, "task", time.Hour, nil)
		require.NoError(t, err)
		require.NoError(t, f.tokens.Put(ctx, rec))
		_, err = f.svc.Look(ctx, raw)
		assert.ErrorIs(t, err, status.ErrUnknown)
	})
}

// TestLinkKeepsTheBasesQuery: a base that carries a query of its own keeps
// it, with t among its parameters; a plain base gets ?t= alone.
func TestLinkKeepsTheBasesQuery(t *testing.T) {
	f := newFixture(t)
	f.links.Base = "https://privacy.example/status?utm=mail&a=1"
	l, err := f.links.Link(context.Background(), f.r.ID)
	require.NoError(t, err)
	u, err := url.Parse(l)
	require.NoError(t, err)
	assert.Equal(t, "/status", u.Path)
	assert.Equal(t, "1", u.Query().Get("a"))
	assert.Equal(t, "mail", u.Query().Get("utm"))
	assert.Len(t, u.Query().Get("t"), 43)
	assert.True(t, strings.HasPrefix(u.RawQuery, "a=1&t="), "sorted as url.Values.Encode sorts: %s", u.RawQuery)

	f.links.Base = "https://privacy.example/status"
	l, err = f.links.Link(context.Background(), f.r.ID)
	require.NoError(t, err)
	assert.Regexp(t, `^https://privacy\.example/status\?t=[A-Za-z0-9_-]{43}$`, l)
}

// TestLinkWritesTheBaseAsAURL: a base that url.URL writes otherwise
// (an upper-case scheme, a space, an empty fragment) is written as the
// URL writes it, the token in its query: the link works as it did when
// every base was written through url.URL.
func TestLinkWritesTheBaseAsAURL(t *testing.T) {
	f := newFixture(t)
	for base, want := range map[string]string{
		"HTTPS://privacy.example/status":         `^https://privacy\.example/status\?t=[A-Za-z0-9_-]{43}$`,
		"https://privacy.example/my desk/status": `^https://privacy\.example/my%20desk/status\?t=[A-Za-z0-9_-]{43}$`,
		"https://privacy.example/status#":        `^https://privacy\.example/status\?t=[A-Za-z0-9_-]{43}$`,
	} {
		f.links.Base = base
		l, err := f.links.Link(context.Background(), f.r.ID)
		require.NoError(t, err)
		assert.Regexp(t, want, l, base)
	}
}
