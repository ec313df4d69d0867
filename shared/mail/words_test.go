package mail_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

func TestWordsForPages(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	at := time.Date(2026, 12, 5, 8, 6, 0, 0, est)
	tests := []struct{ name, got, want string }{
		{"Spanish", mail.Language("es"), mail.Spanish},
		{"a regional Spanish", mail.Language("es-MX"), mail.Spanish},
		{"empty is English", mail.Language(""), mail.English},
		{"anything else is English", mail.Language("fr"), mail.English},
		{"a kind in Spanish", mail.KindTitle(request.Deletion, mail.Spanish), "Eliminar sus datos personales"},
		{"a kind in English", mail.KindTitle(request.Deletion, mail.English), request.Deletion.Title()},
		{"a date", mail.SpanishDate(at), "sábado, 5 de diciembre de 2026"},
		{"a date and time", mail.SpanishDateTime(at), "sábado, 5 de diciembre de 2026 a las 8:06 a. m. EST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, tt.got) })
	}
}
