// Waits until a plain socket has bytes to read again, right after a read found it drained,
// for no system call. Asio offers two waits and each costs one: async_wait() re-arms the
// socket with epoll_ctl, and async_read_some() first tries a recv that finds nothing. After
// a short read neither check is needed: the socket stays registered edge-triggered, so any
// byte that arrives later puts it on the epoll ready list, and the wait queued now is what
// the next epoll_wait completes. That holds only while the reactor has not run since the
// read: call it before the coroutine has suspended on anything else, and only on a socket
// whose io_context one thread runs. It is HAProxy's rule (a short read means drained),
// which Asio 1.18 cannot express; elsewhere it falls back to async_wait().
#pragma once

#include <boost/version.hpp>

#include "asio.hpp"

#if BOOST_ASIO_VERSION == 101800 && defined(BOOST_ASIO_HAS_EPOLL) && \
    !defined(BOOST_ASIO_DISABLE_EPOLL)
#define AMQPPROX_DRAINED_WAIT 1
#include <boost/asio/detail/handler_alloc_helpers.hpp>
#include <boost/asio/detail/handler_cont_helpers.hpp>
#include <boost/asio/detail/handler_work.hpp>
#include <boost/asio/detail/reactor.hpp>
#include <boost/asio/detail/reactor_op.hpp>
#endif

namespace amqpprox::proxy {

#ifdef AMQPPROX_DRAINED_WAIT
namespace drained_wait_detail {

namespace ad = asio::detail;

// Asio's reactive_wait_op, except that it is "not ready" until it is queued: start_op's
// speculative look then queues it with no epoll_ctl, and from then on any readiness event
// completes it, as it would complete async_wait().
template <typename Handler>
class Op : public ad::reactor_op {
public:
    BOOST_ASIO_DEFINE_HANDLER_PTR(Op);

    Op(Handler& handler, const Executor& executor)
        : ad::reactor_op(boost::system::error_code(), &Op::do_perform, &Op::do_complete),
          m_handler(std::move(handler)),
          m_work(m_handler, executor) {}

    static status do_perform(ad::reactor_op* base) {
        return static_cast<Op*>(base)->m_queued ? done : not_done;
    }
    void queued() { m_queued = true; }

    static void do_complete(void* owner, ad::operation* base, const boost::system::error_code&,
                            std::size_t) {
        auto* op = static_cast<Op*>(base);
        ptr p = {ad::addressof(op->m_handler), op, op};
        ad::handler_work<Handler, Executor> work(std::move(op->m_work));
        // The op's memory goes back before the upcall, which may start the next wait.
        ad::binder1<Handler, boost::system::error_code> bound(op->m_handler, op->ec_);
        p.h = ad::addressof(bound.handler_);
        p.reset();
        if (owner) {
            ad::fenced_block block(ad::fenced_block::half);
            work.complete(bound, bound.handler_);
        }
    }

private:
    Handler m_handler;
    ad::handler_work<Handler, Executor> m_work;
    bool m_queued = false;
};

// The socket's reactor registration, which basic_socket keeps protected.
struct Access : TcpSocket {
    static auto& implementation(TcpSocket& socket) {
        return (socket.*(&Access::impl_)).get_implementation();
    }
};

struct Initiation {
    template <typename Handler>
    void operator()(Handler&& handler, TcpSocket* socket) const {
        using OpType = Op<std::decay_t<Handler>>;
        auto& impl = Access::implementation(*socket);
        auto& reactor = asio::use_service<ad::reactor>(socket->get_executor().context());
        const bool continuation = boost_asio_handler_cont_helpers::is_continuation(handler);
        typename OpType::ptr p = {ad::addressof(handler), OpType::ptr::allocate(handler), 0};
        p.p = new (p.v) OpType(handler, socket->get_executor());
        OpType* op = p.p;
        p.v = p.p = 0;
        reactor.start_op(ad::reactor::read_op, impl.socket_, impl.reactor_data_, op, continuation,
                         true);
        // Queued, or posted to complete with an error: either way it runs no sooner than this
        // thread's next turn through the scheduler.
        op->queued();
    }
};

}  // namespace drained_wait_detail
#endif

// Completes with no error once `socket` (non-blocking, last read short) may be read again.
template <typename Token>
auto async_wait_drained(TcpSocket& socket, Token&& token) {
#ifdef AMQPPROX_DRAINED_WAIT
    return asio::async_initiate<Token, void(boost::system::error_code)>(
        drained_wait_detail::Initiation{}, token, &socket);
#else
    return socket.async_wait(TcpSocket::wait_read, std::forward<Token>(token));
#endif
}

}  // namespace amqpprox::proxy
