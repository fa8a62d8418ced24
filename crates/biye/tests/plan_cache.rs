//! The compiled plans are kept between requests and reloaded when an import
//! changes a plan — in this process or another one, on SQLite and
//! PostgreSQL: a changed plan reaches the very next prediction page.

mod common;

use std::sync::Arc;

use biye::demo::Case;
use biye::interchange::Records;
use common::{admission_of, demo_apps};

#[tokio::test]
async fn an_imported_plan_change_reaches_the_next_prediction() {
    let passing = admission_of(Case::Passing);
    for mut app in demo_apps().await {
        let pool = app.db.pool().clone();
        let first = app.state.plans.get(&pool).await.unwrap();
        let again = app.state.plans.get(&pool).await.unwrap();
        assert!(
            Arc::ptr_eq(&first, &again),
            "kept between uses: {}",
            app.backend
        );

        app.sign_in(&passing).await;
        let (_, _, page) = app.get("/me/prediction").await;
        assert!(page.contains("商务英语"), "{page}");
        // The exam system renames the major in a new import of the same plans.
        let mut plans: Vec<_> = biye::db::plans::all(&pool)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, p)| p)
            .collect();
        for p in plans.iter_mut().filter(|p| p.major_name == "商务英语") {
            p.major_name = "商务英语（新）".into();
        }
        let text = biye::cli::export::to_jsonl(&Records::Plans(plans)).unwrap();
        let parsed = biye::interchange::read(text.as_bytes()).unwrap();
        let outcome =
            biye::db::import::apply(&app.db, &parsed, "plans.jsonl", app.state.clock.now())
                .await
                .unwrap();
        assert!(outcome.changed > 0);
        let (_, _, page) = app.get("/me/prediction").await;
        assert!(page.contains("商务英语（新）"), "{}: {page}", app.backend);
        let reloaded = app.state.plans.get(&pool).await.unwrap();
        assert!(!Arc::ptr_eq(&first, &reloaded));
        // An import that changes nothing keeps the cache.
        let outcome =
            biye::db::import::apply(&app.db, &parsed, "plans.jsonl", app.state.clock.now())
                .await
                .unwrap();
        assert_eq!(outcome.changed, 0);
        let kept = app.state.plans.get(&pool).await.unwrap();
        assert!(Arc::ptr_eq(&reloaded, &kept));
    }
}

#[tokio::test]
async fn an_imported_rule_change_reloads_the_kept_plans_and_rules() {
    for app in demo_apps().await {
        let pool = app.db.pool().clone();
        let first = app.state.plans.get(&pool).await.unwrap();
        let batch = biye::db::batches::all(&pool).await.unwrap().remove(0);
        let now = app.state.clock.civil_now();
        let before = biye::prediction::context(&first, &batch, now).exemption_rules;
        let rule = biye::interchange::ExemptionRuleRecord {
            certificate: "计算机等级考试二级（测试）".into(),
            min_value: None,
            course_codes: vec![biye::domain::CourseCode::parse("00018").unwrap()],
        };
        let text = biye::cli::export::to_jsonl(&Records::ExemptionRules(vec![rule])).unwrap();
        let parsed = biye::interchange::read(text.as_bytes()).unwrap();
        let outcome =
            biye::db::import::apply(&app.db, &parsed, "rules.jsonl", app.state.clock.now())
                .await
                .unwrap();
        assert_eq!(outcome.changed, 1, "{}", app.backend);
        let reloaded = app.state.plans.get(&pool).await.unwrap();
        assert!(!Arc::ptr_eq(&first, &reloaded), "{}", app.backend);
        let after = biye::prediction::context(&reloaded, &batch, now).exemption_rules;
        assert_eq!(after.len(), before.len() + 1, "{}", app.backend);
        assert!(after
            .iter()
            .any(|r| r.certificate == "计算机等级考试二级（测试）"));
    }
}
