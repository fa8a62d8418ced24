//! The graduation audit through the database, on SQLite and PostgreSQL: the
//! demo data set loaded by the import path, read back by the audit's loaders,
//! must predict every candidate as the case it was generated for; the bulk
//! stream must see exactly what single-candidate loads see; the new import
//! kinds (rules, pre-work) are idempotent.

mod common;

use biye::db::transcripts;
use biye::demo::{self, Case};
use biye::domain::audit::{evaluate, explain, CompiledPlan, Context, Verdict};
use common::TestApp;

async fn context(app: &TestApp) -> Context {
    let pool = app.db.pool();
    let batch = biye::db::batches::get(pool, biye::domain::BatchCode::parse("2023H1").unwrap())
        .await
        .unwrap()
        .expect("the demo batch");
    let plans = biye::prediction::Plans::load(pool).await.unwrap();
    biye::prediction::context(&plans, &batch, "2023-06-15T09:00".parse().unwrap())
}

#[tokio::test]
async fn every_demo_candidate_read_from_the_database_is_predicted_as_its_case() {
    let n = Case::ALL.len() * 2;
    for app in TestApp::all().await {
        let app = app.with_demo(n).await;
        let pool = app.db.pool();
        let ctx = context(&app).await;
        let plans: Vec<CompiledPlan> = biye::db::plans::all(pool)
            .await
            .unwrap()
            .iter()
            .map(|(_, p)| CompiledPlan::compile(p).unwrap())
            .collect();
        let cases: std::collections::HashMap<String, Case> = demo::generate(n, 2023)
            .cases
            .into_iter()
            .map(|(a, c)| (a.to_string(), c))
            .collect();
        let scope = transcripts::Scope {
            applicants_of: None,
            office: Some("0201".into()),
        };
        let subjects = transcripts::subjects(pool, &scope).await.unwrap();
        assert_eq!(subjects.len(), n, "{}", app.backend);
        let mut streamed = Vec::new();
        let ids: Vec<i64> = subjects.iter().map(|s| s.id).collect();
        transcripts::for_each(pool, &ids, |i, f| streamed.push((i, f)))
            .await
            .unwrap();
        assert_eq!(streamed.len(), n);
        for (i, bulk_facts) in streamed {
            let s = &subjects[i];
            let mut single = transcripts::facts(pool, s.id).await.unwrap();
            let mut bulk_facts = bulk_facts;
            // Same facts either way; the bulk stream skips what the audit takes
            // from the plan (names, credits) and rows may come in any order.
            for r in single.scores.iter_mut() {
                r.course_name.clear();
                r.credits = None;
            }
            single.scores.sort_by_key(|r| (r.course.clone(), r.sitting));
            bulk_facts
                .scores
                .sort_by_key(|r| (r.course.clone(), r.sitting));
            assert_eq!(single, bulk_facts, "{} {}", app.backend, s.admission_no);
            let plan = plans
                .iter()
                .find(|p| p.plan.major_code.as_str() == s.major_code)
                .expect("a plan");
            let e = evaluate(plan, &single, &ctx);
            let case = cases[&s.admission_no];
            assert_eq!(
                e.verdict() == Verdict::Graduates,
                case.graduates(),
                "{} {} {case:?}: {}",
                app.backend,
                s.admission_no,
                explain(plan, &single, &ctx, &e).summary
            );
        }
    }
}

#[tokio::test]
async fn rules_and_prework_import_idempotently() {
    for app in TestApp::all().await {
        let app = app.with_demo(Case::ALL.len()).await;
        let data = demo::generate(Case::ALL.len(), 2023);
        for records in data.files {
            let kind = records.kind();
            let lines = (2..records.len() + 2).collect();
            let parsed = biye::interchange::Parsed { records, lines };
            let outcome = biye::db::import::apply(&app.db, &parsed, "test", app.state.clock.now())
                .await
                .unwrap();
            assert_eq!(
                outcome.changed, 0,
                "{} re-import of {kind:?} changed rows",
                app.backend
            );
        }
        let (subs, exemptions) = transcripts::rules(app.db.pool()).await.unwrap();
        assert_eq!((subs.len(), exemptions.len()), (1, 2), "{}", app.backend);
    }
}
