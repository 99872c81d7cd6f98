package huiqi

import (
	"strconv"
	"time"
)

// Notification kinds.
const (
	NotifyNewMatch    = "new_match"
	NotifyWithdrawn   = "withdrawn"
	NotifyPauseNotice = "pause_notice"
)

// Notification is an entry of an enterprise's inbox and of every webhook's
// delivery stream.
type Notification struct {
	ID            int64     `json:"id"`
	CreditCode    string    `json:"credit_code"`
	Kind          string    `json:"kind"`
	PolicyID      string    `json:"policy_id"`
	Version       int       `json:"version"`
	Title         string    `json:"title"`
	Amount        *Money    `json:"amount"`
	Note          string    `json:"note,omitempty"`
	ApplicationID int64     `json:"application_id,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	// OfferPending asks for a 免申即享 offer to be opened after the commit.
	OfferPending bool `json:"-"`
}

// Webhook is a subscriber to every notification.
type Webhook struct {
	ID            int64     `json:"id"`
	URL           string    `json:"url"`
	Secret        string    `json:"-"`
	CreatedAt     time.Time `json:"created_at"`
	DeliveredUpto int64     `json:"delivered_upto"`
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`
	FirstFailedAt time.Time `json:"first_failed_at,omitzero"`
	LastError     string    `json:"last_error,omitempty"`
	Dead          int       `json:"dead"`
}

// DeadDelivery is a notification a subscriber never acknowledged.
type DeadDelivery struct {
	WebhookID      int64  `json:"webhook_id"`
	NotificationID int64  `json:"notification_id"`
	Attempts       int    `json:"attempts"`
	LastError      string `json:"last_error"`
	DeadAt         string `json:"dead_at"`
}

// ParseCursor reads a numeric feed cursor; "" is the start.
func ParseCursor(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, FieldErrorf("after", "after 应为通知编号")
	}
	return n, nil
}
