//! Stripe events read into the few fields Kiosk acts on. Reading the JSON
//! by hand keeps Kiosk working across Stripe API versions: fields that moved
//! (a subscription's `current_period_end` now lives on its items, an
//! invoice's subscription under `parent.subscription_details`) are read from
//! both places.

use crate::domain::states::SubscriptionStatus;
use serde_json::Value;

/// The envelope every event shares.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: String,
    pub kind: String,
    /// Unix seconds; orders events for one object.
    pub created: i64,
    pub object: Value,
}

pub fn parse(body: &[u8]) -> Result<Event, &'static str> {
    let value: Value = serde_json::from_slice(body).map_err(|_| "the event is not JSON")?;
    let id = text(&value["id"])
        .filter(|id| id.len() <= 255)
        .ok_or("the event has no id")?;
    let kind = text(&value["type"])
        .filter(|kind| kind.len() <= 255)
        .ok_or("the event has no type")?;
    let created = value["created"]
        .as_i64()
        .ok_or("the event has no created time")?;
    let object = value["data"]["object"].clone();
    if !object.is_object() {
        return Err("the event has no data.object");
    }
    Ok(Event {
        id,
        kind,
        created,
        object,
    })
}

/// `checkout.session.completed`.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckoutCompleted {
    pub mode: Option<String>,
    pub customer: Option<String>,
    pub subscription: Option<String>,
    pub member_id: Option<String>,
    pub plan_code: Option<String>,
    /// `paid`, `unpaid` or `no_payment_required` (a trial).
    pub payment_status: Option<String>,
}

impl CheckoutCompleted {
    pub fn read(object: &Value) -> Self {
        Self {
            mode: text(&object["mode"]),
            customer: id_of(&object["customer"]),
            subscription: id_of(&object["subscription"]),
            member_id: text(&object["client_reference_id"])
                .or_else(|| text(&object["metadata"]["member_id"])),
            plan_code: text(&object["metadata"]["plan"]),
            payment_status: text(&object["payment_status"]),
        }
    }
}

/// A subscription object (`customer.subscription.*`).
#[derive(Debug, Clone, PartialEq)]
pub struct StripeSubscription {
    pub id: String,
    pub customer: Option<String>,
    /// As Stripe sends it; a status Kiosk does not know is kept as
    /// `Unknown` and grants nothing.
    pub status: SubscriptionStatus,
    pub current_period_end: Option<i64>,
    pub trial_start: Option<i64>,
    pub trial_end: Option<i64>,
    pub cancel_at_period_end: bool,
    pub canceled_at: Option<i64>,
    /// When the subscription ended (set once Stripe has ended it).
    pub ended_at: Option<i64>,
    pub price_id: Option<String>,
    pub member_id: Option<String>,
    pub plan_code: Option<String>,
}

impl StripeSubscription {
    pub fn read(object: &Value) -> Option<Self> {
        let status = text(&object["status"])
            .filter(|s| s.len() <= 32 && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))?;
        let items = object["items"]["data"].as_array();
        let item_period_end = items
            .into_iter()
            .flatten()
            .filter_map(|item| item["current_period_end"].as_i64())
            .max();
        let price_id = items
            .into_iter()
            .flatten()
            .find_map(|item| id_of(&item["price"]).or_else(|| id_of(&item["plan"])));
        Some(Self {
            id: text(&object["id"])?,
            customer: id_of(&object["customer"]),
            status: SubscriptionStatus::parse(&status),
            current_period_end: object["current_period_end"].as_i64().or(item_period_end),
            trial_start: object["trial_start"].as_i64(),
            trial_end: object["trial_end"].as_i64(),
            cancel_at_period_end: object["cancel_at_period_end"].as_bool().unwrap_or(false),
            canceled_at: object["canceled_at"].as_i64(),
            ended_at: object["ended_at"].as_i64(),
            price_id,
            member_id: text(&object["metadata"]["member_id"]),
            plan_code: text(&object["metadata"]["plan"]),
        })
    }
}

/// An invoice (`invoice.paid`, `invoice.payment_failed`).
#[derive(Debug, Clone, PartialEq)]
pub struct StripeInvoice {
    pub subscription: String,
    /// The end of the latest period the invoice's lines cover.
    pub period_end: Option<i64>,
}

impl StripeInvoice {
    /// `None` for an invoice that belongs to no subscription.
    pub fn read(object: &Value) -> Option<Self> {
        let subscription = id_of(&object["subscription"])
            .or_else(|| id_of(&object["parent"]["subscription_details"]["subscription"]))?;
        let period_end = object["lines"]["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|line| line["period"]["end"].as_i64())
            .max();
        Some(Self {
            subscription,
            period_end,
        })
    }
}

fn text(value: &Value) -> Option<String> {
    value.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// A reference Stripe sends either as an id or as the expanded object.
fn id_of(value: &Value) -> Option<String> {
    text(value).or_else(|| text(&value["id"]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelope() {
        let body = json!({"id": "evt_1", "type": "x.y", "created": 5, "data": {"object": {}}});
        let event = parse(body.to_string().as_bytes()).expect("parses");
        assert_eq!((event.id.as_str(), event.created), ("evt_1", 5));
        for bad in [
            json!({"type": "x", "created": 5, "data": {"object": {}}}),
            json!({"id": "evt_1", "created": 5, "data": {"object": {}}}),
            json!({"id": "evt_1", "type": "x", "data": {"object": {}}}),
            json!({"id": "evt_1", "type": "x", "created": 5, "data": {}}),
            json!([1, 2]),
        ] {
            assert!(parse(bad.to_string().as_bytes()).is_err(), "{bad}");
        }
        assert!(parse(b"{not json").is_err());
    }

    #[test]
    fn subscription_period_end_from_either_place() {
        let old = json!({"id": "sub_1", "status": "active", "current_period_end": 100,
            "items": {"data": [{"price": {"id": "price_1"}}]}});
        let new = json!({"id": "sub_1", "status": "active", "customer": {"id": "cus_1"},
            "items": {"data": [{"current_period_end": 200, "price": "price_2"}]}});
        let old = StripeSubscription::read(&old).expect("old");
        let new = StripeSubscription::read(&new).expect("new");
        assert_eq!(
            (old.current_period_end, old.price_id.as_deref()),
            (Some(100), Some("price_1"))
        );
        assert_eq!(
            (new.current_period_end, new.price_id.as_deref()),
            (Some(200), Some("price_2"))
        );
        assert_eq!(new.customer.as_deref(), Some("cus_1"));
        assert!(StripeSubscription::read(&json!({"id": "sub_1", "status": "Bad!"})).is_none());
    }

    #[test]
    fn invoice_subscription_from_either_place() {
        let old = json!({"subscription": "sub_1", "lines": {"data": [
            {"period": {"end": 10}}, {"period": {"end": 30}}]}});
        let new = json!({"parent": {"subscription_details": {"subscription": "sub_2"}}});
        assert_eq!(
            StripeInvoice::read(&old),
            Some(StripeInvoice {
                subscription: "sub_1".into(),
                period_end: Some(30)
            })
        );
        assert_eq!(
            StripeInvoice::read(&new).map(|i| i.subscription),
            Some("sub_2".into())
        );
        assert_eq!(StripeInvoice::read(&json!({"customer": "cus_1"})), None);
    }
}
