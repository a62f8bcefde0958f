use agir_persistence::migrations;
use agir_tests::TestDb;
use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Replicas started together each run the pending migrations: they queue on one
/// lock, the first applies every migration, the others find nothing to do.
#[actix_web::test]
async fn replicas_starting_together_migrate_once() {
    let db = TestDb::empty().await;
    let runs: Vec<_> = (0..3)
        .map(|_| {
            let url = db.url().to_owned();
            std::thread::spawn(move || migrations::run_pending_blocking(&url))
        })
        .collect();
    let mut applied = Vec::new();
    for run in runs {
        let versions = run
            .join()
            .expect("the migration thread panicked")
            .unwrap_or_else(|err| panic!("a replica failed to migrate: {err}"));
        applied.push(versions.len());
    }
    applied.sort_unstable();
    assert_eq!(applied, vec![0, 0, migrations::count()]);
    let mut conn = db.connect().await;
    let recorded: Count = diesel::sql_query("SELECT count(*) AS n FROM __diesel_schema_migrations")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(recorded.n, i64::try_from(migrations::count()).unwrap());
}
