//! The relay, request by request (`router(state).oneshot(..)`), against a real sandbox on
//! loopback for Instagram.

mod abuse;
mod flow;
mod lossy_link;
mod packaging;
mod processes;
mod redis_server;
mod replicas;
mod support;
mod threads;
