package webform_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/webform"
)

func TestFormOffersTheChildAndCorrectionsWithoutScript(t *testing.T) {
	res, body := serve(newHandler(&fakeIntake{}), httptest.NewRequest(http.MethodGet, "/", nil))
	require.Equal(t, http.StatusOK, res.StatusCode)
	for _, want := range []string{
		`id="childEmail" name="childEmail"`, `id="childAccount" name="childAccount"`, `id="childName" name="childName"`,
		`id="correction-1-item"`, `id="correction-2-wrong"`, `id="correction-3-right"`,
	} {
		assert.Contains(t, body, want)
	}
	assert.NotContains(t, body, "correction-4-item", "three rows")
	assert.NotContains(t, body, "<script", "the form works without JavaScript")
}

func TestSubmitFormChildAndCorrections(t *testing.T) {
	t.Run("the child's identifiers go to the service as the subject", func(t *testing.T) {
		f := &fakeIntake{}
		v := validForm()
		v["kinds"] = []string{"child-data"}
		v["childName"], v["childEmail"], v["childAccount"] = []string{"Sam"}, []string{"sam@example.com"}, []string{""}
		res, body := serve(newHandler(f), form(v))
		require.Equal(t, http.StatusOK, res.StatusCode, body)
		require.Len(t, f.got, 1)
		assert.Equal(t, &request.Subject{Name: "Sam", Email: "sam@example.com"}, f.got[0].Subject)
	})
	t.Run("no child fields, no subject", func(t *testing.T) {
		f := &fakeIntake{}
		_, _ = serve(newHandler(f), form(validForm()))
		require.Len(t, f.got, 1)
		assert.Nil(t, f.got[0].Subject)
	})
	t.Run("the child's address equal to the reporter's is explained on the form", func(t *testing.T) {
		v := validForm()
		v["kinds"] = []string{"child-data"}
		v["childEmail"] = []string{"ada@example.com"}
		res, body := serve(newHandler(&fakeIntake{}), form(v))
		require.Equal(t, http.StatusBadRequest, res.StatusCode)
		assert.Contains(t, body, `href="#childEmail"`)
		assert.Contains(t, body, "This is your own email address.")
	})
	t.Run("child data without the child", func(t *testing.T) {
		v := validForm()
		v["kinds"] = []string{"child-data"}
		res, body := serve(newHandler(&fakeIntake{}), form(v))
		require.Equal(t, http.StatusBadRequest, res.StatusCode)
		assert.Contains(t, body, `href="#childEmail"`)
	})
	t.Run("the rows go to the service in order", func(t *testing.T) {
		f := &fakeIntake{}
		v := validForm()
		v["kinds"] = []string{"correction"}
		v["correction-2-item"], v["correction-2-wrong"], v["correction-2-right"] = []string{"postal address"}, []string{"2 Elm St"}, []string{"1 Main St"}
		res, body := serve(newHandler(f), form(v))
		require.Equal(t, http.StatusOK, res.StatusCode, body)
		require.Len(t, f.got, 1)
		assert.Equal(t, []request.CorrectionItem{{}, {Item: "postal address", Wrong: "2 Elm St", Right: "1 Main St"}, {}}, f.got[0].Corrections)
	})
	t.Run("an incomplete row is shown at its place, values kept and escaped", func(t *testing.T) {
		v := validForm()
		v["kinds"] = []string{"correction"}
		v["correction-3-item"], v["correction-3-wrong"] = []string{`<b>phone</b>`}, []string{"555"}
		res, body := serve(newHandler(&fakeIntake{}), form(v))
		require.Equal(t, http.StatusBadRequest, res.StatusCode)
		assert.Contains(t, body, `href="#correction-3-right"`)
		assert.Contains(t, body, "Correction 3, what it should say: Tell us what it should say.")
		assert.Contains(t, body, `value="&lt;b&gt;phone&lt;/b&gt;"`)
	})
	t.Run("a correction needs one item", func(t *testing.T) {
		v := validForm()
		v["kinds"] = []string{"correction"}
		res, body := serve(newHandler(&fakeIntake{}), form(v))
		require.Equal(t, http.StatusBadRequest, res.StatusCode)
		assert.Contains(t, body, `href="#correction-1-item"`)
	})
}

func TestSubmitJSONChildAndCorrections(t *testing.T) {
	f := &fakeIntake{}
	h := newHandler(f)
	res, body := serve(h, postJSON(`{"submissionId":"`+formID+`","kinds":["child-data","correction"],"name":"Ada","email":"ada@example.com",
		"child":{"account":"kid-2012"},"corrections":[{"item":"name","wrong":"Ada L","right":"Ada Lovelace"}]}`))
	require.Equal(t, http.StatusCreated, res.StatusCode, body)
	require.Len(t, f.got, 1)
	assert.Equal(t, &request.Subject{Account: "kid-2012"}, f.got[0].Subject)
	assert.Equal(t, []request.CorrectionItem{{Item: "name", Wrong: "Ada L", Right: "Ada Lovelace"}}, f.got[0].Corrections)

	eleven := `{"item":"name","right":"x"}` + strings.Repeat(`,{"item":"name","right":"x"}`, 10)
	tests := []struct{ name, body, field string }{
		{"more than ten corrections", `{"submissionId":"` + formID + `","kinds":["correction"],"name":"Ada","email":"ada@example.com","corrections":[` + eleven + `]}`, "corrections"},
		{"an item without what it should be", `{"submissionId":"` + formID + `","kinds":["correction"],"name":"Ada","email":"ada@example.com","corrections":[{"item":"name"}]}`, "corrections[0].right"},
		{"a child without child-data", `{"submissionId":"` + formID + `","kinds":["deletion"],"name":"Ada","email":"ada@example.com","child":{"account":"kid"}}`, "child"},
		{"an unknown field in the child", `{"submissionId":"` + formID + `","kinds":["child-data"],"name":"Ada","email":"ada@example.com","child":{"age":9}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := serve(h, postJSON(tt.body))
			require.Equal(t, http.StatusBadRequest, res.StatusCode, body)
			if tt.field == "" {
				assert.Contains(t, body, "unknown field")
				return
			}
			var got struct{ Fields map[string]string }
			require.NoError(t, json.Unmarshal([]byte(body), &got))
			assert.NotEmpty(t, got.Fields[tt.field], body)
		})
	}
}

func TestReusedSubmissionIDIs409AndRevealsNothing(t *testing.T) {
	t.Run("JSON", func(t *testing.T) {
		res, body := serve(newHandler(&fakeIntake{err: intake.ErrSubmissionReused}), postJSON(`{"submissionId":"`+formID+`","kinds":["deletion"],"name":"Ada","email":"ada@example.com"}`))
		require.Equal(t, http.StatusConflict, res.StatusCode)
		var got map[string]string
		require.NoError(t, json.Unmarshal([]byte(body), &got))
		assert.Equal(t, []string{"error"}, keys(got), "no request ID, status, kinds or dates")
		assert.Contains(t, got["error"], "new Idempotency-Key")
		assert.Contains(t, got["error"], "leave both out")
	})
	t.Run("form: answers kept, a new form ID", func(t *testing.T) {
		v := validForm()
		v["name"] = []string{"Grace Hopper"}
		res, body := serve(newHandler(&fakeIntake{err: intake.ErrSubmissionReused}), form(v))
		require.Equal(t, http.StatusConflict, res.StatusCode)
		assert.Contains(t, body, "was already sent once with different answers")
		assert.Contains(t, body, `value="Grace Hopper"`)
		assert.NotContains(t, body, `value="`+formID+`"`, "the form gets a new submission ID")
		assert.Contains(t, body, `name="submissionId" value="web-`)
		assert.NotContains(t, body, request.NewID(request.Web, formID))
	})
}

func TestJSONWithoutSubmissionIDGetsItsOwn(t *testing.T) {
	f := &fakeIntake{}
	res, body := serve(newHandler(f), postJSON(`{"kinds":["deletion"],"name":"Ada","email":"ada@example.com"}`))
	require.Equal(t, http.StatusCreated, res.StatusCode, body)
	require.Len(t, f.got, 1)
	assert.True(t, strings.HasPrefix(f.got[0].SourceID, "web-"))
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestEachFormGetsItsOwnSubmissionID(t *testing.T) {
	h := webform.New(&fakeIntake{}, webform.Config{}) // crypto/rand, as in production
	idPattern := regexp.MustCompile(`name="submissionId" value="(web-[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})"`)
	seen := map[string]bool{}
	for range 50 {
		_, body := serve(h, httptest.NewRequest(http.MethodGet, "/", nil))
		m := idPattern.FindStringSubmatch(body)
		require.Len(t, m, 2, "a 16-byte random ID in every form")
		assert.False(t, seen[m[1]], "two forms never share an ID, so two posts never name one request")
		seen[m[1]] = true
	}
}
