//! Linking a plan to its Stripe price: either an existing price the admin
//! names (checked to charge what the plan says) or a product and recurring
//! price Kiosk creates from the plan.

use serde::Serialize;
use serde_json::json;

use crate::db::plans::{self, Plan};
use crate::db::{audit, billing as db};
use crate::error::ErrorCode;
use crate::error::{CoreError, CoreResult};

use super::client::{NewPrice, PriceInfo};
use super::{idempotency_key, Billing};

pub enum Sync {
    /// Link this existing price.
    Link(String),
    /// Create a product (unless the plan has one) and a price.
    Create,
}

#[derive(Debug, Serialize)]
pub struct PlanStripeIds {
    pub code: String,
    pub stripe_product_id: String,
    pub stripe_price_id: String,
}

pub async fn sync_plan(
    state: &Billing,
    actor: String,
    code: &str,
    how: Sync,
) -> CoreResult<PlanStripeIds> {
    let stripe = state.api()?;
    let lookup = code.to_owned();
    let plan = state
        .db
        .run(move |conn| Ok(plans::find_by_code(conn, &lookup)?))
        .await?
        .ok_or_else(|| CoreError::not_found("No plan has this code."))?;
    let currency = plan.currency.to_ascii_lowercase();
    let (product_id, price_id) = match how {
        Sync::Link(price_id) => {
            let price = stripe.retrieve_price(&price_id).await?.ok_or_else(|| {
                CoreError::new(ErrorCode::UnknownStripePrice, "Stripe has no such price.")
                    .with_field("price_id")
            })?;
            check_matches(&plan, &currency, &price)?;
            (price.product, price.id)
        }
        Sync::Create => {
            let product_id = match &plan.stripe_product_id {
                Some(id) => id.clone(),
                None => {
                    let key = format!("kiosk-product-{}", plan.id);
                    stripe.create_product(&plan.name, &plan.code, &key).await?
                }
            };
            let amount = plan.price.to_string();
            let key = idempotency_key(
                "price",
                &[
                    &plan.id,
                    &product_id,
                    &amount,
                    &currency,
                    &plan.billing_interval,
                ],
            );
            let new_price = NewPrice {
                plan_code: &plan.code,
                unit_amount: plan.price,
                currency: &currency,
                interval: &plan.billing_interval,
            };
            let price_id = stripe.create_price(&product_id, &new_price, &key).await?;
            (product_id, price_id)
        }
    };
    let ids = PlanStripeIds {
        code: plan.code.clone(),
        stripe_product_id: product_id,
        stripe_price_id: price_id,
    };
    record(state, actor, plan, &ids).await?;
    state.invalidator.catalogue_changed().await;
    Ok(ids)
}

/// A linked price must charge what the plan shows, as often as it says.
fn check_matches(plan: &Plan, currency: &str, price: &PriceInfo) -> CoreResult<()> {
    let interval = price
        .recurring
        .as_ref()
        .map(|r| (r.interval.as_str(), r.interval_count));
    let problem = if !price.active {
        Some("the price is archived in Stripe")
    } else if interval.is_none() {
        Some("the price is not recurring")
    } else if interval != Some((plan.billing_interval.as_str(), 1)) {
        Some("the price's interval differs from the plan's")
    } else if price.currency != currency {
        Some("the price's currency differs from the plan's")
    } else if price.unit_amount != Some(plan.price) {
        Some("the price's amount differs from the plan's")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(CoreError::new(
            ErrorCode::StripePriceMismatch,
            format!("This price cannot back the plan: {problem}."),
        )
        .with_field("price_id")),
        None => Ok(()),
    }
}

async fn record(state: &Billing, actor: String, plan: Plan, ids: &PlanStripeIds) -> CoreResult<()> {
    let now = state.now().naive_utc();
    let (product_id, price_id) = (ids.stripe_product_id.clone(), ids.stripe_price_id.clone());
    state
        .db
        .write(move |conn| {
            if db::set_plan_stripe_ids(conn, &plan.id, &product_id, &price_id, now)? == 0 {
                return Err(CoreError::not_found("No plan has this code."));
            }
            let details = json!({
                "before": {
                    "stripe_product_id": plan.stripe_product_id,
                    "stripe_price_id": plan.stripe_price_id,
                },
                "after": {"stripe_product_id": product_id, "stripe_price_id": price_id},
            });
            audit::record(conn, &actor, "plan.stripe_sync", &plan.code, &details, now)?;
            Ok(())
        })
        .await
}
