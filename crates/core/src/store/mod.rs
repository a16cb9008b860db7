//! The metadata store: SQLite (WAL, foreign keys on, versioned migrations) holding
//! everything but tokens. One module per table; a [`Reader`] for queries and a [`Writer`]
//! (one transaction) for changes. A writer can lend a reader, never the reverse.

mod accounts;
mod events;
mod labels;
mod migrations;
mod notifications;
mod settings;

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction};

pub use events::{Event, EventKind, StoredEvent};
pub use notifications::NotificationKind;

/// Metadata store failures.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQLite refused.
    #[error(
        "Evergreen couldn't read or save its account list ({0}). Check that the disk has space and try again."
    )]
    Sqlite(#[from] rusqlite::Error),
    /// The schema could not be brought up to date.
    #[error("Evergreen couldn't update its account list to this version ({0}).")]
    Migration(#[from] rusqlite_migration::Error),
    /// A row holds a value this version cannot read.
    #[error("Evergreen's account list holds a value it can't read ({0}).")]
    Corrupt(String),
    /// The profile was closed (the app moved to another): nothing writes here any more.
    #[error("this profile is closed")]
    Closed,
}

type Result<T> = std::result::Result<T, Error>;

/// The SQLite database of one profile.
pub struct Store {
    conn: Mutex<Connection>,
    failing_writes: std::sync::atomic::AtomicU32,
    closed: std::sync::atomic::AtomicBool,
}

impl Store {
    /// Open (creating if needed) the database at `path` and bring its schema up to date.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            crate::paths::create_private_dir(dir)
                .map_err(|e| Error::Corrupt(format!("data directory: {e}")))?;
        }
        let mut conn = Connection::open(path)?;
        // SQLite gives its WAL and shared-memory files the database file's mode.
        crate::paths::make_private(path).map_err(|e| Error::Corrupt(format!("database file: {e}")))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a committed transaction survives a power cut. What follows a vault write
        // (a connect, a renewal's dates) must not roll back behind the vault's fsynced save.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrations::migrations().to_latest(&mut conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
            failing_writes: std::sync::atomic::AtomicU32::new(0),
            closed: std::sync::atomic::AtomicBool::new(false),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Run queries.
    pub fn read<T>(&self, f: impl FnOnce(&Reader<'_>) -> Result<T>) -> Result<T> {
        let conn = self.conn();
        f(&Reader { conn: &conn })
    }

    /// Fault injection, for the simulation and the tests of what a failed write does: the
    /// next `n` transactions fail as a full disk would (`SQLITE_FULL`), after running.
    pub fn fail_next_writes(&self, n: u32) {
        self.failing_writes.store(n, std::sync::atomic::Ordering::SeqCst);
    }

    /// Injected write failures still to come.
    pub fn failing_writes(&self) -> u32 {
        self.failing_writes.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Refuse every later write: the profile's directory is about to be given up, and a
    /// handle still held somewhere must not write under the next owner.
    pub(crate) fn close(&self) {
        let _no_write_under_way = self.conn();
        self.closed.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Run changes in one transaction, committed only if `f` succeeds.
    pub fn write<T>(&self, f: impl FnOnce(&Writer<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn();
        use std::sync::atomic::Ordering;
        if self.closed.load(Ordering::SeqCst) {
            return Err(Error::Closed);
        }
        if self.failing_writes.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok()
        {
            return Err(Error::Sqlite(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
                Some("database or disk is full (injected)".into()),
            )));
        }
        let tx = conn.transaction()?;
        let writer = Writer { tx };
        let value = f(&writer)?;
        writer.tx.commit()?;
        Ok(value)
    }
}

/// Read access.
pub struct Reader<'a> {
    conn: &'a Connection,
}

impl Reader<'_> {
    /// An integer pragma of the connection (`synchronous`, `foreign_keys`): what the store
    /// promises about durability, checked by its tests.
    pub fn pragma(&self, name: &str) -> Result<i64> {
        Ok(self.conn.pragma_query_value(None, name, |r| r.get(0))?)
    }
}

/// Write access inside one transaction.
pub struct Writer<'a> {
    tx: Transaction<'a>,
}

impl Writer<'_> {
    /// Queries inside the same transaction.
    pub fn reader(&self) -> Reader<'_> {
        Reader { conn: &self.tx }
    }
}

fn to_db(at: DateTime<Utc>) -> i64 {
    at.timestamp()
}

/// A due time, to the next whole second: stored times are seconds, and a due time rounded
/// down would wake the scheduler a fraction early, before the renewal is due.
fn due_to_db(at: DateTime<Utc>) -> i64 {
    at.timestamp() + i64::from(at.timestamp_subsec_nanos() > 0)
}

fn from_db(secs: i64) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Integer,
            "timestamp out of range".into(),
        )
    })
}
