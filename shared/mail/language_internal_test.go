package mail

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSpanishDates(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	tests := []struct {
		name         string
		at           time.Time
		date, dateAt string
	}{
		{
			name:   "a Monday in January",
			at:     time.Date(2027, 1, 11, 23, 59, 59, 0, ny),
			date:   "lunes, 11 de enero de 2027",
			dateAt: "lunes, 11 de enero de 2027 a las 11:59 p. m. EST",
		},
		{
			name:   "morning, summer time",
			at:     time.Date(2027, 7, 6, 9, 5, 0, 0, ny),
			date:   "martes, 6 de julio de 2027",
			dateAt: "martes, 6 de julio de 2027 a las 9:05 a. m. EDT",
		},
		{
			name:   "one in the afternoon takes the singular article",
			at:     time.Date(2026, 9, 30, 13, 30, 0, 0, ny),
			date:   "miércoles, 30 de septiembre de 2026",
			dateAt: "miércoles, 30 de septiembre de 2026 a la 1:30 p. m. EDT",
		},
		{
			name:   "midnight",
			at:     time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC),
			date:   "martes, 29 de febrero de 2028",
			dateAt: "martes, 29 de febrero de 2028 a las 12:00 a. m. UTC",
		},
		{
			name:   "noon",
			at:     time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC),
			date:   "sábado, 1 de agosto de 2026",
			dateAt: "sábado, 1 de agosto de 2026 a las 12:00 p. m. UTC",
		},
		{
			name:   "Sunday",
			at:     time.Date(2027, 2, 7, 23, 59, 59, 0, ny),
			date:   "domingo, 7 de febrero de 2027",
			dateAt: "domingo, 7 de febrero de 2027 a las 11:59 p. m. EST",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.date, fecha(tt.at))
			assert.Equal(t, tt.dateAt, fechaHora(tt.at))
		})
	}
}

func TestEveryMonthAndWeekdayHasASpanishName(t *testing.T) {
	day := time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := 0; i < 365; i++ {
		d := day.AddDate(0, 0, i)
		got := fecha(d)
		assert.NotContains(t, got, d.Weekday().String())
		assert.NotContains(t, got, d.Month().String())
	}
}

func TestLanguage(t *testing.T) {
	tests := []struct{ in, want string }{
		{"es", Spanish},
		{"ES", Spanish},
		{" es-MX ", Spanish},
		{"es_US", Spanish},
		{"en", English},
		{"", English},
		{"fr", English},
		{"esperanto", English},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, language(tt.in))
		})
	}
}
