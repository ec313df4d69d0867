package webform_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/webform"
)

// testKey signs the forms of these tests, as the desk's key does in
// production.
var testKey = []byte("test-submission-key-0123456789abcdef")

var testIDs = func() *webform.SubmissionIDs {
	ids, err := webform.NewSubmissionIDs(testKey, nil)
	if err != nil {
		panic(err)
	}
	return ids
}()

// formID is a submission ID a form of these tests carried.
var formID = func() string {
	id, err := testIDs.Mint()
	if err != nil {
		panic(err)
	}
	return id
}()

var signedID = regexp.MustCompile(`name="submissionId" value="(web-[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})"`)

func TestSubmissionIDs(t *testing.T) {
	id, err := testIDs.Mint()
	require.NoError(t, err)
	assert.Len(t, id, 70)
	assert.True(t, intake.ValidSourceID(id), "a minted ID is a valid source ID")
	assert.True(t, testIDs.Issued(id))

	other, err := webform.NewSubmissionIDs([]byte("another-key-of-32-bytes-or-longer!!"), nil)
	require.NoError(t, err)
	nonce, mac, _ := strings.Cut(strings.TrimPrefix(id, "web-"), ".")
	flip := func(s string) string {
		b := []byte(s)
		if b[3] == 'A' {
			b[3] = 'B'
		} else {
			b[3] = 'A'
		}
		return string(b)
	}
	for name, forged := range map[string]string{
		"made up":                   "web-abcdefghijklmnop",
		"unsigned, as forms were":   "web-" + nonce,
		"another nonce, same MAC":   "web-" + flip(nonce) + "." + mac,
		"altered MAC":               "web-" + nonce + "." + flip(mac),
		"MAC cut short":             "web-" + nonce + "." + mac[:42],
		"padded":                    id + "=",
		"another prefix":            "api-" + nonce + "." + mac,
		"empty":                     "",
		"signed under another key":  mustMint(t, other),
		"the MAC alone":             mac,
		"nonce and MAC swapped":     "web-" + mac + "." + nonce,
		"upper-cased":               strings.ToUpper(id),
		"trailing line break":       id + "\n",
		"two dots":                  id + ".x",
		"the key itself as the MAC": "web-" + nonce + "." + string(testKey),
	} {
		assert.False(t, testIDs.Issued(forged), name)
	}

	_, err = webform.NewSubmissionIDs([]byte("too-short"), nil)
	assert.ErrorIs(t, err, webform.ErrShortKey)
	assert.NotContains(t, err.Error(), "too-short", "the error never carries the key")
}

func mustMint(t *testing.T, ids *webform.SubmissionIDs) string {
	t.Helper()
	id, err := ids.Mint()
	require.NoError(t, err)
	return id
}

// newSignedHandler is the form with the desk's key, logging into logs.
func newSignedHandler(f *fakeIntake, logs *bytes.Buffer) http.Handler {
	return webform.New(f, webform.Config{Location: time.UTC, TeamAddress: "privacy@productionflow.example",
		SubmissionIDs: testIDs, Log: slog.New(slog.NewJSONHandler(logs, nil))})
}

func TestTheFormCarriesASignedID(t *testing.T) {
	var logs bytes.Buffer
	f := &fakeIntake{}
	h := newSignedHandler(f, &logs)
	_, page := serve(h, httptest.NewRequest(http.MethodGet, "/", nil))
	m := signedID.FindStringSubmatch(page)
	require.Len(t, m, 2, "the form carries a signed submission ID")
	assert.True(t, testIDs.Issued(m[1]))

	v := validForm()
	v["submissionId"] = []string{m[1]}
	res, body := serve(h, form(v))
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	require.Len(t, f.got, 1)
	assert.Equal(t, m[1], f.got[0].SourceID, "the signed ID names the submission")
	assert.Contains(t, body, request.NewID(request.Web, m[1]))
	assert.NotContains(t, logs.String(), string(testKey))
}

func TestAnIDNotIssuedByTheDeskIsRefused(t *testing.T) {
	forged := []struct{ name, id string }{
		{"made up", "web-abcdefghijklmnop"},
		{"an old unsigned form", "web-AAAAAAAAAAAAAAAAAAAAAA"},
		{"signed under another key", func() string {
			other, err := webform.NewSubmissionIDs([]byte("another-key-of-32-bytes-or-longer!!"), nil)
			require.NoError(t, err)
			return mustMint(t, other)
		}()},
		{"missing", ""},
	}
	for _, tt := range forged {
		t.Run("form, "+tt.name, func(t *testing.T) {
			for _, lang := range []struct{ code, want, other string }{
				{"en", "This form did not come from our site", "no proviene de nuestro sitio"},
				{"es", "Este formulario no proviene de nuestro sitio", "did not come from our site"},
			} {
				var logs bytes.Buffer
				f := &fakeIntake{}
				v := validForm()
				v["submissionId"] = []string{tt.id}
				v["lang"] = []string{lang.code}
				v["name"] = []string{"Grace Hopper"}
				res, body := serve(newSignedHandler(f, &logs), form(v))
				require.Equal(t, http.StatusBadRequest, res.StatusCode, lang.code)
				assert.Empty(t, f.got, "%s: nothing is looked up or saved", lang.code)
				assert.Contains(t, body, `<html lang="`+lang.code+`">`)
				assert.Contains(t, body, lang.want)
				assert.NotContains(t, body, lang.other)
				assert.Contains(t, body, `value="Grace Hopper"`, "the answers are kept")
				m := signedID.FindStringSubmatch(body)
				require.Len(t, m, 2, "%s: the form comes back with an ID of ours", lang.code)
				assert.True(t, testIDs.Issued(m[1]))
				if tt.id != "" {
					assert.NotContains(t, body, tt.id, "the refused ID is not shown back")
					assert.NotContains(t, logs.String(), tt.id)
				}
				assert.NotContains(t, body, "PR-", "no request is named")
				assert.NotContains(t, logs.String(), string(testKey))
				assert.NotContains(t, logs.String(), "Grace")
			}
		})
		if tt.id == "" {
			continue // JSON without an ID gets one of ours
		}
		t.Run("JSON, "+tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			f := &fakeIntake{}
			res, body := serve(newSignedHandler(f, &logs), postJSON(`{"submissionId":"`+tt.id+`","kinds":["deletion"],"name":"Ada","email":"ada@example.com"}`))
			require.Equal(t, http.StatusBadRequest, res.StatusCode)
			assert.Empty(t, f.got, "nothing is looked up or saved")
			var got map[string]string
			require.NoError(t, json.Unmarshal([]byte(body), &got))
			assert.Equal(t, []string{"error"}, keys(got))
			assert.Contains(t, got["error"], "not issued by this desk")
			assert.Contains(t, got["error"], "Idempotency-Key", "says what an API client sends instead")
			assert.NotContains(t, body, tt.id)
			assert.NotContains(t, logs.String(), string(testKey))
		})
	}
}

// TestAnAPIClientNamesItsSubmissionWithIdempotencyKey: the header is the
// client's own key (not signed), in JSON and in a urlencoded post alike,
// bound to the address and content as a form's ID is.
func TestAnAPIClientNamesItsSubmissionWithIdempotencyKey(t *testing.T) {
	var logs bytes.Buffer
	f := &fakeIntake{}
	h := newSignedHandler(f, &logs)

	r := postJSON(`{"kinds":["deletion"],"name":"Ada","email":"ada@example.com"}`)
	r.Header.Set("Idempotency-Key", "client-key-0001")
	res, body := serve(h, r)
	require.Equal(t, http.StatusCreated, res.StatusCode, body)
	assert.Equal(t, "client-key-0001", f.got[0].SourceID)

	v := validForm()
	delete(v, "submissionId")
	r = form(v)
	r.Header.Set("Idempotency-Key", "client-key-0002")
	res, body = serve(h, r)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Equal(t, "client-key-0002", f.got[1].SourceID)

	v["submissionId"] = []string{formID}
	r = form(v)
	r.Header.Set("Idempotency-Key", "client-key-0003")
	res, body = serve(h, r)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, "differ")
	assert.Len(t, f.got, 2)
}

func TestBorrowedSignedIDWithOtherContentIs409AndRevealsNothing(t *testing.T) {
	var logs bytes.Buffer
	h := newSignedHandler(&fakeIntake{err: intake.ErrSubmissionReused}, &logs)
	t.Run("form", func(t *testing.T) {
		v := validForm()
		v["submissionId"] = []string{formID}
		res, body := serve(h, form(v))
		require.Equal(t, http.StatusConflict, res.StatusCode)
		assert.Contains(t, body, "was already sent once with different answers")
		assert.NotContains(t, body, request.NewID(request.Web, formID))
		assert.NotContains(t, body, `value="`+formID+`"`, "the form gets a new ID")
		m := signedID.FindStringSubmatch(body)
		require.Len(t, m, 2)
		assert.True(t, testIDs.Issued(m[1]))
	})
	t.Run("JSON with the form's ID", func(t *testing.T) {
		res, body := serve(h, postJSON(`{"submissionId":"`+formID+`","kinds":["access-categories"],"name":"Eve","email":"ada@example.com"}`))
		require.Equal(t, http.StatusConflict, res.StatusCode)
		var got map[string]string
		require.NoError(t, json.Unmarshal([]byte(body), &got))
		assert.Equal(t, []string{"error"}, keys(got), "no request ID, status, kinds or dates")
		assert.Contains(t, got["error"], "already used for a different request")
	})
	assert.NotContains(t, logs.String(), string(testKey))
}
