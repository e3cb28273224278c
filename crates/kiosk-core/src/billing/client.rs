//! The calls Kiosk makes to Stripe, through async-stripe's client pointed at
//! the configured API base. Requests are built with async-stripe's typed
//! parameters; answers are read into the few fields Kiosk uses, so a change
//! elsewhere in Stripe's objects cannot break them. Every call that creates
//! something carries an idempotency key chosen by the caller, so a retry
//! after a failure creates nothing twice.

use std::collections::HashMap;
use std::time::Duration;

use stripe::{ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_billing::billing_portal_session::CreateBillingPortalSession;
use stripe_billing::subscription::UpdateSubscription;
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionSubscriptionData,
};
use stripe_checkout::CheckoutSessionMode;
use stripe_core::customer::CreateCustomer;
use stripe_product::price::{
    CreatePrice, CreatePriceRecurring, CreatePriceRecurringInterval, RetrievePrice,
};
use stripe_product::product::CreateProduct;

use crate::domain::billing::CheckoutTrial;

/// Bound on one call to Stripe.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);

/// Why a call to Stripe failed.
#[derive(Debug, thiserror::Error)]
pub enum StripeFailure {
    /// Unreachable, timed out, 5xx, rate limited, or an answer we cannot read.
    #[error("Stripe is unavailable: {0}")]
    Unavailable(String),
    /// Stripe understood and refused the request (4xx).
    #[error("Stripe refused the request ({status}): {message}")]
    Rejected { status: u16, message: String },
}

impl From<StripeError> for StripeFailure {
    fn from(e: StripeError) -> Self {
        match e {
            // 409 is an idempotency key still in use by a concurrent call.
            StripeError::Stripe(err, status)
                if (400..500).contains(&status) && !matches!(status, 409 | 429) =>
            {
                StripeFailure::Rejected {
                    status,
                    message: err.message.clone().unwrap_or_default(),
                }
            }
            other => StripeFailure::Unavailable(other.to_string()),
        }
    }
}

/// An object Stripe created or returned: only the fields Kiosk reads.
#[derive(Debug, miniserde::Deserialize)]
struct Created {
    id: String,
    url: Option<String>,
}

/// The parts of a Stripe price that decide whether a plan may use it.
#[derive(Debug, Clone, miniserde::Deserialize)]
pub struct PriceInfo {
    pub id: String,
    pub product: String,
    pub active: bool,
    pub currency: String,
    pub unit_amount: Option<i64>,
    pub recurring: Option<Recurring>,
}

#[derive(Debug, Clone, miniserde::Deserialize)]
pub struct Recurring {
    pub interval: String,
    pub interval_count: i64,
}

/// What a Checkout Session is made of.
pub struct CheckoutRequest<'a> {
    pub customer_id: &'a str,
    pub member_id: &'a str,
    pub plan_code: &'a str,
    pub price_id: &'a str,
    pub success_url: &'a str,
    pub cancel_url: &'a str,
    pub trial: CheckoutTrial,
}

/// A product and recurring price to create for a plan.
pub struct NewPrice<'a> {
    pub plan_code: &'a str,
    pub unit_amount: i64,
    /// Lower-case ISO code.
    pub currency: &'a str,
    pub interval: &'a str,
}

pub struct StripeApi {
    client: stripe::Client,
}

impl StripeApi {
    pub fn new(secret_key: &str, api_base: &str) -> anyhow::Result<Self> {
        let mut base = api_base.trim().to_owned();
        if !base.ends_with('/') {
            base.push('/');
        }
        let client = ClientBuilder::new(secret_key)
            .url(base)
            .timeout(CALL_TIMEOUT)
            .app_info("kiosk", Some(env!("CARGO_PKG_VERSION").to_owned()), None)
            .build()
            .map_err(|e| anyhow::anyhow!("the Stripe client could not be built: {e}"))?;
        Ok(Self { client })
    }

    pub async fn create_customer(
        &self,
        member_id: &str,
        email: &str,
        key: &str,
    ) -> Result<String, StripeFailure> {
        let request = CreateCustomer::new()
            .email(email)
            .metadata(metadata(&[("member_id", member_id)]));
        Ok(self.send(&request, key).await?.id)
    }

    /// Returns the Checkout page's URL.
    pub async fn create_checkout_session(
        &self,
        checkout: &CheckoutRequest<'_>,
        key: &str,
    ) -> Result<String, StripeFailure> {
        let tags = metadata(&[
            ("member_id", checkout.member_id),
            ("plan", checkout.plan_code),
        ]);
        let mut subscription = CreateCheckoutSessionSubscriptionData::new();
        subscription.metadata = Some(tags.clone());
        match checkout.trial {
            CheckoutTrial::None => {}
            CheckoutTrial::Days(days) => subscription.trial_period_days = Some(days),
            CheckoutTrial::Until(end) => subscription.trial_end = Some(end.timestamp()),
        }
        let mut item = CreateCheckoutSessionLineItems::new();
        item.price = Some(checkout.price_id.to_owned());
        item.quantity = Some(1);
        let request = CreateCheckoutSession::new()
            .mode(CheckoutSessionMode::Subscription)
            .customer(checkout.customer_id)
            .client_reference_id(checkout.member_id)
            .line_items(vec![item])
            .success_url(checkout.success_url)
            .cancel_url(checkout.cancel_url)
            .metadata(tags)
            .subscription_data(subscription);
        url_of(self.send(&request, key).await?)
    }

    /// Returns the billing portal's URL.
    pub async fn create_portal_session(
        &self,
        customer_id: &str,
        return_url: Option<&str>,
        key: &str,
    ) -> Result<String, StripeFailure> {
        let mut request = CreateBillingPortalSession::new().customer(customer_id);
        if let Some(url) = return_url {
            request = request.return_url(url);
        }
        url_of(self.send(&request, key).await?)
    }

    pub async fn create_product(
        &self,
        name: &str,
        plan_code: &str,
        key: &str,
    ) -> Result<String, StripeFailure> {
        let request = CreateProduct::new(name).metadata(metadata(&[("plan", plan_code)]));
        Ok(self.send(&request, key).await?.id)
    }

    pub async fn create_price(
        &self,
        product_id: &str,
        price: &NewPrice<'_>,
        key: &str,
    ) -> Result<String, StripeFailure> {
        let interval = match price.interval {
            "year" => CreatePriceRecurringInterval::Year,
            _ => CreatePriceRecurringInterval::Month,
        };
        let currency = price
            .currency
            .parse::<stripe_types::Currency>()
            .unwrap_or_else(|never| match never {});
        let request = CreatePrice::new(currency)
            .product(product_id)
            .unit_amount(price.unit_amount)
            .recurring(CreatePriceRecurring::new(interval))
            .metadata(metadata(&[("plan", price.plan_code)]));
        Ok(self.send(&request, key).await?.id)
    }

    /// Stops (`true`) or resumes (`false`) a subscription's renewal at the
    /// end of its current period.
    pub async fn set_cancel_at_period_end(
        &self,
        subscription_id: &str,
        cancel: bool,
        key: &str,
    ) -> Result<(), StripeFailure> {
        let request = UpdateSubscription::new(subscription_id).cancel_at_period_end(cancel);
        self.send(&request, key).await.map(|_| ())
    }

    /// `Ok(None)` when Stripe has no such price.
    pub async fn retrieve_price(&self, price_id: &str) -> Result<Option<PriceInfo>, StripeFailure> {
        let request = RetrievePrice::new(price_id);
        match request
            .build()
            .customize::<PriceInfo>()
            .request_strategy(RequestStrategy::Once)
            .send(&self.client)
            .await
            .map_err(StripeFailure::from)
        {
            Ok(price) => Ok(Some(price)),
            Err(StripeFailure::Rejected { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn send<R: StripeRequest>(
        &self,
        request: &R,
        key: &str,
    ) -> Result<Created, StripeFailure> {
        let key = IdempotencyKey::new(key)
            .map_err(|e| StripeFailure::Unavailable(format!("bad idempotency key: {e}")))?;
        Ok(request
            .build()
            .customize::<Created>()
            .request_strategy(RequestStrategy::Idempotent(key))
            .send(&self.client)
            .await?)
    }
}

fn metadata(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn url_of(created: Created) -> Result<String, StripeFailure> {
    created.url.ok_or_else(|| {
        StripeFailure::Unavailable(format!("Stripe answered {} without a URL", created.id))
    })
}
