package setup

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/status"
	"github.com/productionflow/privacy-desk/shared/token"
)

// StatusLinks issues the status-page links that mail to the requester
// carries, keeping their hashes in the desk's table; nil when d names no
// status page (STATUS_URL).
func StatusLinks(d Desk, awsCfg aws.Config, now func() time.Time) *status.Links {
	if d.StatusURL == "" {
		return nil
	}
	return &status.Links{Tokens: &dynamo.Tokens{API: NewTable(awsCfg), Table: d.Table},
		Issuer: token.Issuer{Now: now}, Base: d.StatusURL.String()}
}
