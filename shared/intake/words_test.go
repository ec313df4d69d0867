package intake

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// Every message has its Spanish, and the formats take the same verb.
func TestEveryMessageIsInSpanish(t *testing.T) {
	en, es := reflect.ValueOf(english), reflect.ValueOf(spanish)
	for i := range en.NumField() {
		name := en.Type().Field(i).Name
		e, s := en.Field(i).String(), es.Field(i).String()
		assert.NotEmpty(t, e, name)
		assert.NotEmpty(t, s, name)
		assert.NotEqual(t, e, s, "%s is translated", name)
		for _, verb := range []string{"%d", "%q"} {
			assert.Equal(t, strings.Count(e, verb), strings.Count(s, verb), "%s takes the same %s", name, verb)
		}
	}
}

// A submission in Spanish (the Spanish form's) gets its field errors in
// Spanish; the kinds they mention are named as the Spanish form names them.
func TestFieldErrorsInTheSubmissionsLanguage(t *testing.T) {
	bad := func(lang string) Submission {
		return Submission{SourceID: "web-abcdefghijklmnop", Channel: request.Web, Language: lang,
			Kinds:     []request.Kind{request.Deletion},
			Requester: request.Identity{Name: "Ada\nBcc: x", Email: "ada@example", Phone: "call me"},
			Subject:   &request.Subject{Account: "kid-1"},
		}
	}
	tests := []struct {
		lang  string
		want  map[string]string
		other []string // words of the other language, absent
	}{
		{"es", map[string]string{
			"name":  "Use una sola línea.",
			"email": "Escriba un correo electrónico con la forma nombre@ejemplo.com.",
			"phone": "Use solo dígitos, espacios y + ( ) - .",
			"child": "Los datos del menor van con «" + mail.KindTitle(request.ChildData, mail.Spanish) + "»: elija esa opción o deje estos campos vacíos.",
		}, []string{"Enter", "choose", "Tell us", "field"}},
		{"es-MX", map[string]string{"email": "Escriba un correo electrónico con la forma nombre@ejemplo.com."}, nil},
		{"", map[string]string{"email": "Enter an email address like name@example.com.", "name": "Use a single line."}, []string{"Escriba"}},
		{"en", map[string]string{"child": "The child's details go with \"Delete a child's data\": choose it, or leave them empty."}, []string{"menor"}},
	}
	for _, tt := range tests {
		t.Run("language "+tt.lang, func(t *testing.T) {
			s := bad(tt.lang)
			fe := s.Validate()
			require.NotNil(t, fe)
			for field, want := range tt.want {
				assert.Equal(t, want, fe[field], field)
			}
			for _, msg := range fe {
				for _, w := range tt.other {
					assert.NotContains(t, msg, w)
				}
			}
		})
	}
	t.Run("the child's address in Spanish", func(t *testing.T) {
		s := bad("es")
		s.Kinds = []request.Kind{request.ChildData}
		s.Subject = &request.Subject{Email: "kid@example"}
		assert.Equal(t, "Escriba el correo electrónico del menor con la forma nombre@ejemplo.com.", s.Validate()["childEmail"])
		s.Subject = &request.Subject{Email: "ada@example"}
		s.Requester.Email = "ada@example.com"
		s.Subject.Email = "ADA@example.com"
		assert.Equal(t, spanish.childOwnEmail, s.Validate()["childEmail"])
	})
}
