package standin

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEnvironmentsAreFresh(t *testing.T) {
	a := DeskEnv()
	a["TABLE_NAME"] = "changed"
	assert.Equal(t, "privacy-desk", DeskEnv()["TABLE_NAME"], "each caller gets its own map")
	assert.Equal(t, PrivacyAddress, DeskEnv()["REPLY_TO_ADDRESS"])

	assert.Equal(t, map[string]string{
		"FORM_URL": "http://127.0.0.1:3000/", "TASK_CONFIRM_URL": "http://127.0.0.1:3000/tasks/confirm",
		"DOWNLOAD_URL": "http://127.0.0.1:3000/download", "STATUS_URL": "http://127.0.0.1:3000/status",
	}, SiteEnv("http://127.0.0.1:3000/"))
	assert.Equal(t, "http://127.0.0.1:1", AWSEnv(map[string]string{"DYNAMODB": "http://127.0.0.1:1"})["AWS_ENDPOINT_URL_DYNAMODB"])
}
