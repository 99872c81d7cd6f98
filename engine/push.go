package engine

import (
	"context"
	"net/url"
	"strconv"

	"github.com/huiqi/huiqi"
)

// Feed is a page of an enterprise's notifications.
type Feed struct {
	Items []huiqi.Notification `json:"items"`
	// Next is the cursor to pass as after to continue the feed; it is the
	// given cursor again when nothing new has arrived, so a client polls on.
	Next *string `json:"next"`
}

// Notifications returns an enterprise's notifications after the cursor,
// oldest first (the enterprise itself, admin). It returns EForbidden or
// EInvalid for a bad cursor.
func (e *Engine) Notifications(ctx context.Context, code string, after string, limit int) (*Feed, error) {
	t, err := require(ctx, huiqi.RoleAdmin, huiqi.RoleEnterprise)
	if err != nil {
		return nil, err
	}
	if t.Role == huiqi.RoleEnterprise && t.CreditCode != code {
		return nil, huiqi.Errorf(huiqi.EForbidden, "只能查看本企业的通知")
	}
	cursor, err := huiqi.ParseCursor(after)
	if err != nil {
		return nil, err
	}
	items, err := e.DB.EnterpriseNotifications(ctx, code, cursor, limit)
	if err != nil {
		return nil, err
	}
	f := &Feed{Items: items}
	if len(items) > 0 {
		cursor = items[len(items)-1].ID
	}
	if cursor > 0 {
		next := strconv.FormatInt(cursor, 10)
		f.Next = &next
	}
	return f, nil
}

// WebhookRequest registers a webhook subscriber.
type WebhookRequest struct {
	URL    string `json:"url"`
	Secret string `json:"secret"`
}

// CreateWebhook registers a subscriber for every notification from now on
// (admin). It returns EInvalid for a URL that is not http(s), carries
// credentials, or names a host outside the allow-list or one that resolves
// to an internal address (see push.Targets), or a secret shorter than 16
// characters.
func (e *Engine) CreateWebhook(ctx context.Context, r WebhookRequest) (*huiqi.Webhook, error) {
	if _, err := require(ctx, huiqi.RoleAdmin); err != nil {
		return nil, err
	}
	if err := e.WebhookTargets.CheckURL(ctx, r.URL); err != nil {
		return nil, err
	}
	if len(r.Secret) < 16 {
		return nil, huiqi.FieldErrorf("secret", "签名密钥至少 16 个字符")
	}
	w := &huiqi.Webhook{URL: r.URL, Secret: r.Secret}
	if err := e.DB.CreateWebhook(ctx, w); err != nil {
		return nil, err
	}
	return w, nil
}

// WebhookStatus is a subscriber with the deliveries it never acknowledged.
type WebhookStatus struct {
	huiqi.Webhook
	DeadDeliveries []huiqi.DeadDelivery `json:"dead_deliveries"`
}

// Webhooks lists the subscribers with their delivery state and dead
// deliveries (admin).
func (e *Engine) Webhooks(ctx context.Context) ([]WebhookStatus, error) {
	if _, err := require(ctx, huiqi.RoleAdmin); err != nil {
		return nil, err
	}
	hooks, err := e.DB.Webhooks(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]WebhookStatus, len(hooks))
	for i, w := range hooks {
		w.URL = redactURL(w.URL)
		out[i].Webhook = w
		if out[i].DeadDeliveries, err = e.DB.DeadDeliveries(ctx, w.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// redactURL drops the password of a URL stored before credentials were
// refused, so that listing the subscribers does not show it.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}
