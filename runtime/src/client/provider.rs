//! The client every generated crate's `Client` is: one generic over the provider, so
//! that the constructors, the options (clock, nonces, stores, sleeper) and the choice of
//! environment are written once, here. A generated crate supplies only what is its own
//! (its protocol tables, environments, credentials and one method per operation) by
//! implementing [`Provider`] and [`Calls`], as a progenitor client implements
//! `progenitor_client::ClientInfo` and keeps the shared code in its runtime crate.

use crate::client::core::ClientCore;
use crate::client::sleep::Sleeper;
use crate::client::transport::Transport;
use crate::clock::{Clock, NonceSource};
use crate::crypto::credentials::Credentials;
use crate::message::seen::SeenStore;

/// A provider as its generated crate describes it to the runtime.
pub trait Provider: 'static {
    /// Where the provider's API is served: the generated `Environment` enum.
    type Environment: Copy;
    /// The merchant's credentials: the generated `Credentials` struct.
    type Credentials: Into<Credentials>;
    /// The provider's own methods, one per operation and notification, over the shared
    /// state; [`Client`] dereferences to them.
    type Calls<T>: Calls<T>;
    /// Everything the runtime needs to speak the provider's protocol.
    fn protocol() -> &'static paygen_protocol::Provider;
    /// The base URL of `environment`.
    fn base_url(environment: Self::Environment) -> &'static str;
    /// The spec's `gateway:` mapping (`tables::GATEWAY`); without one, a mapping of no
    /// roles, so every [`Gateway`](crate::Gateway) call answers "not supported".
    fn gateway() -> &'static paygen_protocol::GatewayMap {
        &NO_GATEWAY
    }
}

/// The mapping of a provider whose spec has no `gateway:` section.
static NO_GATEWAY: paygen_protocol::GatewayMap = paygen_protocol::GatewayMap {
    roles: std::borrow::Cow::Borrowed(&[]),
    notifications: std::borrow::Cow::Borrowed(&[]),
    settle: None,
};

/// A generated crate's methods over the state every client shares.
pub trait Calls<T> {
    /// The methods over `core`.
    fn from_core(core: ClientCore<T>) -> Self;
    /// The shared state the methods use.
    fn core(&self) -> &ClientCore<T>;
    /// The shared state, for the options that replace part of it.
    fn core_mut(&mut self) -> &mut ClientCore<T>;
}

/// A client of provider `P` for one merchant over transport `T`: credentials, base
/// URL, transport, and the provider's methods (through `Deref` to `P::Calls<T>`).
///
/// A generated crate names it `Client` (`paygen_wantu::Client` is
/// `paygen::Client<paygen_wantu::Api, ReqwestTransport>`).
pub struct Client<P: Provider, T> {
    calls: P::Calls<T>,
}

#[cfg(feature = "reqwest")]
impl<P: Provider> Client<P, crate::client::transport::ReqwestTransport> {
    /// A client of `environment` over HTTPS (rustls) with default timeouts.
    pub fn new(environment: P::Environment, credentials: P::Credentials) -> Self {
        Self::with_transport(
            P::base_url(environment),
            credentials,
            crate::client::transport::ReqwestTransport::default(),
        )
    }
}

impl<P: Provider, T: Transport> Client<P, T> {
    /// A client of any base URL over any transport.
    pub fn with_transport(
        base_url: impl Into<String>,
        credentials: P::Credentials,
        transport: T,
    ) -> Self {
        let core = ClientCore::new(P::protocol(), base_url, credentials.into(), transport);
        Client {
            calls: P::Calls::from_core(core),
        }
    }

    /// Replaces the clock (tests pin it so every byte is reproducible).
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.calls.core_mut().set_clock(clock);
        self
    }

    /// Replaces the nonce source.
    pub fn with_nonce(mut self, nonce: impl NonceSource + 'static) -> Self {
        self.calls.core_mut().set_nonce(nonce);
        self
    }

    /// Remembers delivered notification events in `deliveries` (default: the last
    /// 10,000 in memory), so that `receive_*` reports a redelivery.
    pub fn with_delivery_store(mut self, deliveries: impl SeenStore + 'static) -> Self {
        self.calls.core_mut().set_delivery_store(deliveries);
        self
    }

    /// Remembers accepted notification nonces, so that a replayed notification is
    /// refused.
    pub fn with_seen_store(mut self, seen: impl SeenStore + 'static) -> Self {
        self.calls.core_mut().set_seen_store(seen);
        self
    }

    /// Replaces what waits between the steps of a settle flow (tests skip the wait).
    pub fn with_sleeper(mut self, sleeper: impl Sleeper + 'static) -> Self {
        self.calls.core_mut().set_sleeper(sleeper);
        self
    }

    /// The transport requests go through.
    pub fn transport(&self) -> &T {
        self.calls.core().transport()
    }
}

impl<P: Provider, T> std::ops::Deref for Client<P, T> {
    type Target = P::Calls<T>;

    fn deref(&self) -> &P::Calls<T> {
        &self.calls
    }
}

impl<P: Provider, T> std::fmt::Debug for Client<P, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("core", self.calls.core())
            .finish()
    }
}

/// The items every generated crate has around its own, the same in each: `Api` (the
/// provider as a [`Provider`]), the `Client` alias, the `Calls` struct the crate's
/// methods are on, and `Credentials` into the runtime's. It expects the crate's
/// `Environment`, `Credentials` (with `into_runtime`) and `tables::PROVIDER` where it is
/// called; `title` names the provider in the docs.
#[doc(hidden)]
#[macro_export]
macro_rules! __provider_client {
    (title: $title:literal, gateway: $gateway:path) => {
        $crate::__provider_client! { @client $title, fn gateway() -> &'static $crate::protocol::GatewayMap { &$gateway } }
    };
    (title: $title:literal) => {
        $crate::__provider_client! { @client $title, }
    };
    (@client $title:literal, $($gateway:item)?) => {
        #[doc = concat!(" ", $title, " as a `paygen::Provider`: its protocol tables, environments, credentials and calls.")]
        #[derive(Debug, Clone, Copy)]
        pub enum Api {}

        impl $crate::Provider for Api {
            type Environment = Environment;
            type Credentials = Credentials;
            type Calls<T> = Calls<T>;

            fn protocol() -> &'static $crate::protocol::Provider {
                &tables::PROVIDER
            }

            fn base_url(environment: Environment) -> &'static str {
                environment.base_url()
            }

            $($gateway)?
        }

        impl ::core::convert::From<Credentials> for $crate::Credentials {
            fn from(credentials: Credentials) -> Self {
                credentials.into_runtime()
            }
        }

        #[doc = concat!(" A client of ", $title, " for one merchant: credentials, base URL, transport. The runtime's `paygen::Client` over [`Api`]: its constructors and options are the runtime's, its methods those of [`Calls`].")]
        pub type Client<T = $crate::ReqwestTransport> = $crate::Client<Api, T>;

        #[doc = concat!(" The methods of ", $title, ": one per operation and notification, called on a [`Client`].")]
        #[derive(Debug)]
        pub struct Calls<T> {
            core: $crate::__private::ClientCore<T>,
        }

        impl<T> $crate::Calls<T> for Calls<T> {
            fn from_core(core: $crate::__private::ClientCore<T>) -> Self {
                Self { core }
            }

            fn core(&self) -> &$crate::__private::ClientCore<T> {
                &self.core
            }

            fn core_mut(&mut self) -> &mut $crate::__private::ClientCore<T> {
                &mut self.core
            }
        }
    };
}
