package console

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/productionflow/privacy-desk/shared/request"
)

// TestStuckStepsListAnExportBeforeItsErase: the steps to finish by hand
// list a system's export before its erase, the order they are to be done
// in (the erase is refused while the export is not done), whatever order
// the trail told of them.
func TestStuckStepsListAnExportBeforeItsErase(t *testing.T) {
	events := []request.Event{
		{Action: request.ActionTaskOverdue, Data: map[string]string{"system": "paper-archive", "action": "erase"}},
		{Action: request.ActionTaskOverdue, Data: map[string]string{"system": "call-recordings", "action": "erase"}},
		{Action: request.ActionTaskOverdue, Data: map[string]string{"system": "paper-archive", "action": "export"}},
	}
	var order []string
	for _, st := range failedSteps(events) {
		order = append(order, st.System+"/"+st.Action)
	}
	assert.Equal(t, []string{"paper-archive/export", "paper-archive/erase", "call-recordings/erase"}, order)
}
