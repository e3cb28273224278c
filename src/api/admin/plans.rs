//! `/v1/admin/plans`: what readers can subscribe to. A plan some
//! subscription uses is never deleted, only archived (it then leaves the
//! public catalogue).

use crate::domain::states::PlanStatus;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::api::json::Json;
use crate::api::pagination::{Page, PageRequest};
use crate::auth::api_keys::AdminAuth;
use crate::db::plans::{self, Plan};
use crate::db::{is_unique_violation, subscriptions, DbConnection};
use crate::domain::slug::PlanCode;
use crate::error::ErrorCode;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

use super::plan_input::{blank_plan, PlanInput, PlanPatch, PlanWrite};
use super::publishers::ListQuery;
use super::views::PlanView;
use super::{found, record, Admin};

/// Finds a plan by the code in a path; a code that cannot exist is simply
/// not found.
fn by_code(conn: &mut DbConnection, code: &str) -> Result<Plan, ApiError> {
    let code = PlanCode::parse(code).map_err(|_| ApiError::not_found("No such plan."))?;
    found(plans::find_by_code(conn, code.as_str())?, "plan")
}

/// The views of these plans, with their scopes read in one query.
pub fn views(conn: &mut DbConnection, rows: Vec<Plan>) -> Result<Vec<PlanView>, ApiError> {
    let ids: Vec<&str> = rows
        .iter()
        .filter(|p| !p.all_publishers)
        .map(|p| p.id.as_str())
        .collect();
    let scopes = if ids.is_empty() {
        Vec::new()
    } else {
        plans::scope_slugs(conn, &ids)?
    };
    Ok(rows
        .iter()
        .map(|plan| {
            let slugs = scopes
                .iter()
                .filter(|(plan_id, _)| *plan_id == plan.id)
                .map(|(_, slug)| slug.clone())
                .collect();
            PlanView::new(plan, slugs)
        })
        .collect())
}

fn view(conn: &mut DbConnection, plan: &Plan) -> Result<PlanView, ApiError> {
    views(conn, vec![plan.clone()])?
        .pop()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("plan view missing")))
}

fn write_scope(conn: &mut DbConnection, write: &PlanWrite) -> Result<(), ApiError> {
    if let Some(scope) = &write.scope {
        plans::set_scope(conn, &write.plan.id, scope)?;
    }
    Ok(())
}

pub async fn create(
    state: web::Data<AppState>,
    request: Admin<Json<PlanInput>>,
) -> ApiResult<HttpResponse> {
    let Admin { auth, inner: body } = request;
    let now = state.now();
    let (code, patch) = body.into_inner().into_patch();
    let blank = blank_plan(&code, now)?;
    let patch = patch.parse()?;
    let view = state
        .db
        .write(move |conn| {
            let next = patch.apply(conn, &blank, now)?;
            plans::insert(conn, &next.plan, &[]).map_err(|e| {
                if is_unique_violation(&e) {
                    ApiError::new(ErrorCode::CodeTaken, "A plan with this code exists.")
                        .with_field("code")
                } else {
                    e.into()
                }
            })?;
            write_scope(conn, &next)?;
            let after = view(conn, &next.plan)?;
            let target = next.plan.code.clone();
            record(
                conn,
                &auth,
                "plan.create",
                &target,
                None::<&PlanView>,
                Some(&after),
                now,
            )?;
            Ok(after)
        })
        .await?;
    state.invalidator.catalogue_changed().await;
    Ok(HttpResponse::Created().json(view))
}

pub async fn list(
    state: web::Data<AppState>,
    request: Admin<web::Query<ListQuery>>,
) -> ApiResult<HttpResponse> {
    let ListQuery { limit, after } = request.inner.into_inner();
    let page = PageRequest::parse(limit, after)?;
    let page = state
        .db
        .run(move |conn| {
            let rows = plans::page(conn, page.after(), page.fetch(), false)?;
            let rows = Page::from_rows(rows, &page, |p| p.id.clone(), |p| p);
            Ok(Page {
                data: views(conn, rows.data)?,
                next_cursor: rows.next_cursor,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

pub async fn show(
    state: web::Data<AppState>,
    _auth: AdminAuth,
    code: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let code = code.into_inner();
    let view = state
        .db
        .run(move |conn| {
            let plan = by_code(conn, &code)?;
            view(conn, &plan)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// A changed plan, saying when the change unlinked its Stripe price.
#[derive(Serialize)]
struct UpdatedPlan {
    #[serde(flatten)]
    plan: PlanView,
    #[serde(skip_serializing_if = "Option::is_none")]
    stripe_price_unlinked: Option<String>,
}

/// Changes a plan. Changing what it charges (price, currency, interval)
/// unlinks its Stripe price unless the same request names a new one: the
/// answer and the audit entry carry `stripe_price_unlinked`, and checkout
/// answers 422 `plan_not_purchasable` until `stripe-sync` runs again.
/// Existing subscribers keep the price Stripe bills them.
pub async fn update(
    state: web::Data<AppState>,
    request: Admin<Json<PlanPatch>>,
    code: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let Admin { auth, inner: body } = request;
    let (code, now) = (code.into_inner(), state.now());
    let patch = body.into_inner().parse()?;
    let view = state
        .db
        .write(move |conn| {
            let current = by_code(conn, &code)?;
            let before = view(conn, &current)?;
            let next = patch.apply(conn, &current, now)?;
            plans::update(conn, &next.plan)?;
            write_scope(conn, &next)?;
            let after = UpdatedPlan {
                plan: view(conn, &next.plan)?,
                stripe_price_unlinked: next.unlinked_price,
            };
            record(
                conn,
                &auth,
                "plan.update",
                &code,
                Some(&before),
                Some(&after),
                now,
            )?;
            Ok(after)
        })
        .await?;
    state.invalidator.catalogue_changed().await;
    Ok(HttpResponse::Ok().json(view))
}

/// Takes a plan out of the public catalogue; subscriptions on it go on.
pub async fn archive(
    state: web::Data<AppState>,
    auth: AdminAuth,
    code: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (code, now) = (code.into_inner(), state.now());
    let view = state
        .db
        .write(move |conn| {
            let current = by_code(conn, &code)?;
            let before = view(conn, &current)?;
            plans::set_status(conn, &current.id, PlanStatus::Archived, now.naive_utc())?;
            let archived = found(plans::find(conn, &current.id)?, "plan")?;
            let after = view(conn, &archived)?;
            record(
                conn,
                &auth,
                "plan.archive",
                &code,
                Some(&before),
                Some(&after),
                now,
            )?;
            Ok(after)
        })
        .await?;
    state.invalidator.catalogue_changed().await;
    Ok(HttpResponse::Ok().json(view))
}

/// Deletes a plan no subscription has ever used; otherwise 409
/// `plan_in_use` (archive it instead). The foreign key from subscriptions
/// is the final guard against a subscription created meanwhile.
pub async fn delete(
    state: web::Data<AppState>,
    auth: AdminAuth,
    code: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (code, now) = (code.into_inner(), state.now());
    let in_use = || {
        ApiError::new(
            ErrorCode::PlanInUse,
            "Subscriptions use this plan; archive it instead.",
        )
    };
    state
        .db
        .write(move |conn| {
            let current = by_code(conn, &code)?;
            if subscriptions::plan_in_use(conn, &current.id)? {
                return Err(in_use());
            }
            let before = view(conn, &current)?;
            plans::delete(conn, &current.id).map_err(|e| match e {
                diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                    _,
                ) => in_use(),
                e => e.into(),
            })?;
            record(
                conn,
                &auth,
                "plan.delete",
                &code,
                Some(&before),
                None::<&PlanView>,
                now,
            )
        })
        .await?;
    state.invalidator.catalogue_changed().await;
    Ok(HttpResponse::NoContent().finish())
}
