package intake_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/request"
)

// TestACopyOfTheDataNeedsTheDeclarationOnTheForm: specific pieces and
// portability (specific pieces in a portable format) both disclose the
// data itself, so a web submission of either needs the signed
// declaration, refused in the submission's language without it;
// categories alone do not. Mail has no declaration box: an email
// request is not refused on it (docs/web-form.md says what it gets).
func TestACopyOfTheDataNeedsTheDeclarationOnTheForm(t *testing.T) {
	tests := []struct {
		name        string
		channel     request.Channel
		lang        string
		kinds       []request.Kind
		declaration bool
		want        string // the declaration error; "" for none
	}{
		{"portability", request.Web, "en", []request.Kind{request.Portability}, false,
			"A copy of your data to take with you needs the signed declaration: tick the box to confirm it."},
		{"portability in Spanish", request.Web, "es", []request.Kind{request.Portability}, false,
			"Para recibir una copia de sus datos en un formato portátil se necesita la declaración firmada: marque la casilla para confirmarla."},
		{"portability with the declaration", request.Web, "en", []request.Kind{request.Portability}, true, ""},
		{"specific pieces", request.Web, "en", []request.Kind{request.AccessSpecific, request.Portability}, false,
			"Specific pieces of data need the signed declaration: tick the box to confirm it."},
		{"categories alone", request.Web, "en", []request.Kind{request.AccessCategories}, false, ""},
		{"portability by email", request.Email, "en", []request.Kind{request.Portability}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := intake.Submission{
				SourceID: "sub-0123456789abcdef", Channel: tt.channel, Language: tt.lang, Kinds: tt.kinds,
				Requester: request.Identity{Name: "Ada", Email: "ada@example.com"}, Declaration: tt.declaration,
			}
			fe := s.Validate()
			assert.Equal(t, tt.want, fe["declaration"], "errors: %v", fe)
			if tt.want == "" {
				assert.Nil(t, fe)
			}
		})
	}
}

// TestTheFormsDeclarationIsOnTheTrail: the declaration ticked on the form
// is recorded with the request's creation (so the confirmation page does
// not ask it again); a request without it records none.
func TestTheFormsDeclarationIsOnTheTrail(t *testing.T) {
	for _, declared := range []bool{true, false} {
		ctx := context.Background()
		now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
		store, mailer := newMemStore(), &fakeMailer{}
		svc := newService(store, mailer, &now)
		sub := validSubmission()
		sub.Kinds, sub.Declaration = []request.Kind{request.AccessCategories}, declared
		rc, err := svc.Submit(ctx, sub)
		require.NoError(t, err)
		var events []request.Event
		for _, ev := range store.events {
			if ev.RequestID == rc.Request.ID {
				events = append(events, ev)
			}
		}
		i := slices.IndexFunc(events, func(e request.Event) bool { return e.Action == request.ActionCreated })
		require.GreaterOrEqual(t, i, 0)
		if declared {
			assert.Equal(t, "signed", events[i].Data["declaration"])
		} else {
			assert.NotContains(t, events[i].Data, "declaration")
		}
	}
}
