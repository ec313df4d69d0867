package deadline

import (
	"fmt"
	"net/mail"
	"sort"
	"strings"
	"time"
)

// Config configures the deadline-reminder function.
type Config struct {
	Table            string // TABLE_NAME: the DynamoDB table
	Sender           string // SENDER_ADDRESS: the From of the desk's mail
	TeamAddress      string // TEAM_ADDRESS: the privacy team, who get the reminders
	TimeZone         string // BUSINESS_TIME_ZONE, default America/New_York
	ConfigurationSet string // SES_CONFIGURATION_SET (optional)
}

// LoadConfig reads Config from getenv (os.Getenv in main) and reports every
// missing or malformed variable at once.
func LoadConfig(getenv func(string) string) (Config, error) {
	c := Config{
		Table:            strings.TrimSpace(getenv("TABLE_NAME")),
		Sender:           strings.TrimSpace(getenv("SENDER_ADDRESS")),
		TeamAddress:      strings.TrimSpace(getenv("TEAM_ADDRESS")),
		TimeZone:         strings.TrimSpace(getenv("BUSINESS_TIME_ZONE")),
		ConfigurationSet: strings.TrimSpace(getenv("SES_CONFIGURATION_SET")),
	}
	var problems []string
	if c.Table == "" {
		problems = append(problems, "TABLE_NAME is required (the DynamoDB table)")
	}
	for name, v := range map[string]string{"SENDER_ADDRESS": c.Sender, "TEAM_ADDRESS": c.TeamAddress} {
		if v == "" {
			problems = append(problems, name+" is required (an email address)")
		} else if _, err := mail.ParseAddress(v); err != nil {
			problems = append(problems, name+" is not an email address")
		}
	}
	if c.TimeZone == "" {
		c.TimeZone = "America/New_York"
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "Local" {
		problems = append(problems, "BUSINESS_TIME_ZONE is not a time zone name like America/New_York")
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return c, fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
	}
	return c, nil
}
