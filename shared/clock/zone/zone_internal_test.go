package zone

import (
	"archive/zip"
	"errors"
	"io"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// noZoneinfo is the lookup of a machine with no zoneinfo installed (the
// zone database neither on disk nor linked).
func noZoneinfo(name string) (*time.Location, error) {
	return nil, errors.New("unknown time zone " + name)
}

func TestLoadWithoutZoneinfoUsesTheCarriedZones(t *testing.T) {
	for _, name := range Embedded() {
		t.Run(name, func(t *testing.T) {
			got, err := load(name, noZoneinfo)
			require.NoError(t, err)
			want, err := time.LoadLocation(name)
			require.NoError(t, err, "the machine running the tests has the zone (its zoneinfo or Go's)")
			assert.Equal(t, name, got.String())
			// The same offsets and abbreviations at instants across the
			// zone's history and its daylight-saving changes.
			for y := 1970; y <= 2040; y += 7 {
				for _, m := range []time.Month{time.January, time.March, time.July, time.November} {
					at := time.Date(y, m, 10, 12, 0, 0, 0, time.UTC)
					gotName, gotOff := at.In(got).Zone()
					wantName, wantOff := at.In(want).Zone()
					assert.Equal(t, wantOff, gotOff, "offset at %s", at)
					assert.Equal(t, wantName, gotName, "abbreviation at %s", at)
				}
			}
		})
	}
}

func TestLoadPrefersTheMachinesZoneinfo(t *testing.T) {
	machine := time.FixedZone("America/New_York", -4*3600)
	got, err := load("America/New_York", func(string) (*time.Location, error) { return machine, nil })
	require.NoError(t, err)
	assert.Same(t, machine, got)
}

func TestLoadUnknownZoneNamesTheCarriedOnes(t *testing.T) {
	for _, name := range []string{"Europe/Berlin", "Mars/Olympus_Mons"} {
		t.Run(name, func(t *testing.T) {
			_, err := load(name, noZoneinfo)
			require.ErrorIs(t, err, ErrUnknown)
			assert.Contains(t, err.Error(), `"`+name+`"`)
			for _, carried := range []string{"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "Pacific/Honolulu"} {
				assert.Contains(t, err.Error(), carried)
			}
		})
	}
}

func TestLoadOnThisMachine(t *testing.T) {
	loc, err := Load("America/Los_Angeles")
	require.NoError(t, err)
	assert.Equal(t, "America/Los_Angeles", loc.String())
	_, err = Load("Mars/Olympus_Mons")
	assert.ErrorIs(t, err, ErrUnknown)
}

// TestEmbeddedZonesAreGoROOTs keeps zones.go equal to the zoneinfo.zip of
// the Go building it (the data time/tzdata would link); after a Go
// upgrade, go generate ./shared/clock/zone rewrites it.
func TestEmbeddedZonesAreGoROOTs(t *testing.T) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	require.NoError(t, err, "go env GOROOT")
	zr, err := zip.OpenReader(filepath.Join(strings.TrimSpace(string(out)), "lib", "time", "zoneinfo.zip"))
	require.NoError(t, err)
	defer zr.Close()
	names := Embedded()
	require.NotEmpty(t, names)
	assert.IsNonDecreasing(t, names)
	for _, name := range names {
		f, err := zr.Open(name)
		if errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s is carried but not in GOROOT's zoneinfo.zip", name)
			continue
		}
		require.NoError(t, err)
		want, err := io.ReadAll(f)
		f.Close()
		require.NoError(t, err)
		got, _ := embedded(name)
		assert.True(t, got == string(want), "%s differs from GOROOT's zoneinfo.zip: run go generate ./shared/clock/zone", name)
	}
}
