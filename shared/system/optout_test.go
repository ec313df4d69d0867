package system_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/system"
)

// deletionWords are the words by which an API or a task names deleting or
// erasing (userDeletionRequests, /deleted_users/, "erase the record", …);
// not "remove", which an unsubscribe may say of a mailing list.
var deletionWords = regexp.MustCompile(`(?i)delet|eras|purg|shred|forget|destroy|wipe`)

// TestOptOutsEraseNothing: an opt-out (of sale or sharing, or of
// marketing) needs no verification, so anyone can ask one for anyone's
// address. In the shipped registry, no system's optOut or suppress action
// may delete: no HTTP DELETE, no URL or body that names a deletion, no call
// its erase makes too, no owner's task that says to delete. The seed once
// mapped Google Analytics' opt-out to its user-deletion API, so a form
// posted with someone else's address and Sec-GPC: 1 deleted their data.
func TestOptOutsEraseNothing(t *testing.T) {
	fromFile, err := system.LoadFile("systems.yaml", system.Options{})
	require.NoError(t, err)
	builtin, err := system.Builtin(system.Options{})
	require.NoError(t, err)

	for name, reg := range map[string]*system.Registry{"systems.yaml": fromFile, "builtin": builtin} {
		t.Run(name, func(t *testing.T) {
			checked := 0
			for _, s := range reg.Systems {
				for _, a := range []system.Action{system.OptOut, system.Suppress} {
					m, ok := s.Actions[a]
					if !ok {
						continue
					}
					checked++
					assertErasesNothing(t, s, a, m)
				}
			}
			require.NotZero(t, checked, "the registry has opt-outs to check")
		})
	}
}

func assertErasesNothing(t *testing.T, s system.System, a system.Action, m *system.Method) {
	t.Helper()
	assert.NotRegexp(t, deletionWords, m.Task, "%s %s: an owner's task that deletes", s.Name, a)
	var erase []system.Call
	if e, ok := s.Actions[system.Erase]; ok {
		erase = e.Calls
	}
	for i, c := range m.Calls {
		where := func(what string) string { return fmt.Sprintf("%s %s call %d: %s", s.Name, a, i+1, what) }
		assert.NotEqual(t, "DELETE", c.Method, where("an HTTP DELETE"))
		u, err := url.Parse(c.URL)
		if assert.NoError(t, err, where("URL")) {
			assert.NotRegexp(t, deletionWords, u.Path, where("a URL that names a deletion"))
			assert.NotRegexp(t, deletionWords, u.RawQuery, where("a query that names a deletion"))
		}
		if c.Body != nil {
			body, err := json.Marshal(c.Body)
			require.NoError(t, err)
			assert.NotRegexp(t, deletionWords, string(body), where("a body that names a deletion"))
		}
		for _, e := range erase {
			if e.Method == c.Method && e.URL == c.URL {
				assert.Fail(t, where("the same call as the system's erase"))
			}
		}
	}
}
