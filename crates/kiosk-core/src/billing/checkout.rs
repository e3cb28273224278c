//! Starting a paid subscription (Stripe Checkout) and managing one (the
//! billing portal). The member's Stripe customer is created once: its
//! idempotency key is derived from the member id, so a retry after a
//! failure, or two checkouts at once, end with one customer.

use crate::db::members::{self, Member};
use crate::db::plans::{self, Plan};
use crate::db::{billing as db, DbConnection};
use crate::domain::billing::{checkout_trial, CheckoutTrial, ReturnUrl};
use crate::error::ErrorCode;
use crate::error::{CoreError, CoreResult};

use super::client::{CheckoutRequest, StripeApi};
use super::{idempotency_key, retry_window, Billing};

pub struct CheckoutInput {
    pub plan_code: String,
    pub success_url: ReturnUrl,
    pub cancel_url: ReturnUrl,
}

/// What the database says about a member's checkout.
struct Standing {
    member: Member,
    plan: Plan,
    price_id: String,
    trial: CheckoutTrial,
}

/// Returns the Stripe Checkout URL for `member_id` buying the plan.
pub async fn start(state: &Billing, member_id: &str, input: CheckoutInput) -> CoreResult<String> {
    let stripe = state.api()?;
    let now = state.now();
    let (id, code) = (member_id.to_owned(), input.plan_code.clone());
    let standing = state
        .db
        .run(move |conn| standing(conn, &id, &code, now))
        .await?;
    let customer_id = ensure_customer(state, stripe, &standing.member).await?;
    let trial = match standing.trial {
        CheckoutTrial::None => String::new(),
        CheckoutTrial::Days(days) => format!("days:{days}"),
        CheckoutTrial::Until(end) => format!("until:{}", end.timestamp()),
    };
    let key = idempotency_key(
        "checkout",
        &[
            &standing.member.id,
            &customer_id,
            &standing.plan.code,
            &standing.price_id,
            input.success_url.as_str(),
            input.cancel_url.as_str(),
            &trial,
            &retry_window(now),
        ],
    );
    let request = CheckoutRequest {
        customer_id: &customer_id,
        member_id: &standing.member.id,
        plan_code: &standing.plan.code,
        price_id: &standing.price_id,
        success_url: input.success_url.as_str(),
        cancel_url: input.cancel_url.as_str(),
        trial: standing.trial,
    };
    Ok(stripe.create_checkout_session(&request, &key).await?)
}

fn standing(
    conn: &mut DbConnection,
    member_id: &str,
    plan_code: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> CoreResult<Standing> {
    let member = active_member(conn, member_id)?;
    let plan = plans::find_by_code(conn, plan_code)?
        .ok_or_else(|| CoreError::not_found("No plan has this code.").with_field("plan"))?;
    let price_id = match &plan.stripe_price_id {
        Some(price) if plan.status.on_sale() => price.clone(),
        _ => {
            return Err(CoreError::new(
                ErrorCode::PlanNotPurchasable,
                "This plan cannot be bought: it is archived or not linked to a Stripe price.",
            )
            .with_field("plan"))
        }
    };
    let trial_used = crate::db::trials::has_used(conn, member_id)?;
    let running_end = db::running_trial(conn, member_id, now.naive_utc())?
        .and_then(|t| t.trial_ends_at)
        .map(|t| t.and_utc());
    let trial = checkout_trial(plan.trial_days, trial_used, running_end, now);
    Ok(Standing {
        member,
        plan,
        price_id,
        trial,
    })
}

/// The signed-in member, if still active (a disabled member's token stops
/// working here, as on `/v1/me`).
fn active_member(conn: &mut DbConnection, member_id: &str) -> CoreResult<Member> {
    members::find(conn, member_id)?
        .filter(Member::is_active)
        .ok_or_else(CoreError::token_invalid)
}

async fn ensure_customer(
    state: &Billing,
    stripe: &StripeApi,
    member: &Member,
) -> CoreResult<String> {
    if let Some(id) = &member.stripe_customer_id {
        return Ok(id.clone());
    }
    let key = format!("kiosk-customer-{}", member.id);
    let created = stripe
        .create_customer(&member.id, &member.email, &key)
        .await?;
    let (member_id, now) = (member.id.clone(), state.now().naive_utc());
    state
        .db
        .write(move |conn| {
            if db::link_customer(conn, &member_id, &created, now)? == 1 {
                return Ok(created);
            }
            // A concurrent checkout recorded the customer first.
            members::find(conn, &member_id)?
                .and_then(|m| m.stripe_customer_id)
                .ok_or_else(CoreError::token_invalid)
        })
        .await
}

/// Returns a billing-portal URL for the member's Stripe customer; 409
/// `no_billing_account` when the member never went through Checkout.
pub async fn portal(
    state: &Billing,
    member_id: &str,
    return_url: Option<ReturnUrl>,
) -> CoreResult<String> {
    let stripe = state.api()?;
    let id = member_id.to_owned();
    let member = state.db.run(move |conn| active_member(conn, &id)).await?;
    let customer = member.stripe_customer_id.ok_or_else(|| {
        CoreError::new(
            ErrorCode::NoBillingAccount,
            "This member has no Stripe customer yet; subscribe through checkout first.",
        )
    })?;
    let return_url = return_url.as_ref().map(ReturnUrl::as_str);
    let key = idempotency_key(
        "portal",
        &[
            &customer,
            return_url.unwrap_or_default(),
            &retry_window(state.now()),
        ],
    );
    Ok(stripe
        .create_portal_session(&customer, return_url, &key)
        .await?)
}
