//! Contract tests: the client against the sandbox over real loopback HTTP, for every endpoint
//! and every row of the reference's error table.

mod contract;
mod errors;
mod hostile;
mod meta;
mod support;
