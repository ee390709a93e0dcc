// The one table of AMQP 0.9.1 methods, RabbitMQ's extensions included (exchange.bind/unbind,
// basic.nack, confirm.*, connection.blocked/unblocked/update-secret). Every struct, codec
// function and metadata entry in methods.hpp/.cpp is generated from it.
//
// AMQP_METHOD_TABLE(M, F) expands M once per method:
//   M(Struct, class_id, method_id, "class.method", synchronous, has_content,
//     reply_method_id, alternative_reply_method_id, fields...)
// where each field is F(Kind, name) in wire order. Replies are method ids in the same class
// (0 = none). "synchronous" means the method expects a reply (unless its nowait bit is set).
#pragma once

// clang-format off
#define AMQP_METHOD_TABLE(M, F)                                                              \
    M(ConnectionStart, 10, 10, "connection.start", true, false, 11, 0,                       \
      F(Octet, version_major) F(Octet, version_minor) F(Table, server_properties)            \
      F(LongStr, mechanisms) F(LongStr, locales))                                            \
    M(ConnectionStartOk, 10, 11, "connection.start-ok", false, false, 0, 0,                  \
      F(Table, client_properties) F(ShortStr, mechanism) F(LongStr, response)               \
      F(ShortStr, locale))                                                                   \
    M(ConnectionSecure, 10, 20, "connection.secure", true, false, 21, 0,                     \
      F(LongStr, challenge))                                                                 \
    M(ConnectionSecureOk, 10, 21, "connection.secure-ok", false, false, 0, 0,                \
      F(LongStr, response))                                                                  \
    M(ConnectionTune, 10, 30, "connection.tune", true, false, 31, 0,                         \
      F(Short, channel_max) F(Long, frame_max) F(Short, heartbeat))                          \
    M(ConnectionTuneOk, 10, 31, "connection.tune-ok", false, false, 0, 0,                    \
      F(Short, channel_max) F(Long, frame_max) F(Short, heartbeat))                          \
    M(ConnectionOpen, 10, 40, "connection.open", true, false, 41, 0,                         \
      F(ShortStr, virtual_host) F(ShortStr, capabilities) F(Bit, insist))                    \
    M(ConnectionOpenOk, 10, 41, "connection.open-ok", false, false, 0, 0,                    \
      F(ShortStr, known_hosts))                                                              \
    M(ConnectionClose, 10, 50, "connection.close", true, false, 51, 0,                       \
      F(Short, reply_code) F(ShortStr, reply_text) F(Short, class_id) F(Short, method_id))   \
    M(ConnectionCloseOk, 10, 51, "connection.close-ok", false, false, 0, 0, )                \
    M(ConnectionBlocked, 10, 60, "connection.blocked", false, false, 0, 0,                   \
      F(ShortStr, reason))                                                                   \
    M(ConnectionUnblocked, 10, 61, "connection.unblocked", false, false, 0, 0, )             \
    M(ConnectionUpdateSecret, 10, 70, "connection.update-secret", true, false, 71, 0,        \
      F(LongStr, new_secret) F(ShortStr, reason))                                            \
    M(ConnectionUpdateSecretOk, 10, 71, "connection.update-secret-ok", false, false, 0, 0, ) \
    M(ChannelOpen, 20, 10, "channel.open", true, false, 11, 0,                               \
      F(ShortStr, out_of_band))                                                              \
    M(ChannelOpenOk, 20, 11, "channel.open-ok", false, false, 0, 0,                          \
      F(LongStr, channel_id))                                                                \
    M(ChannelFlow, 20, 20, "channel.flow", true, false, 21, 0,                               \
      F(Bit, active))                                                                        \
    M(ChannelFlowOk, 20, 21, "channel.flow-ok", false, false, 0, 0,                          \
      F(Bit, active))                                                                        \
    M(ChannelClose, 20, 40, "channel.close", true, false, 41, 0,                             \
      F(Short, reply_code) F(ShortStr, reply_text) F(Short, class_id) F(Short, method_id))   \
    M(ChannelCloseOk, 20, 41, "channel.close-ok", false, false, 0, 0, )                      \
    M(AccessRequest, 30, 10, "access.request", true, false, 11, 0,                           \
      F(ShortStr, realm) F(Bit, exclusive) F(Bit, passive) F(Bit, active) F(Bit, write)      \
      F(Bit, read))                                                                          \
    M(AccessRequestOk, 30, 11, "access.request-ok", false, false, 0, 0,                      \
      F(Short, ticket))                                                                      \
    M(ExchangeDeclare, 40, 10, "exchange.declare", true, false, 11, 0,                       \
      F(Short, ticket) F(ShortStr, exchange) F(ShortStr, type) F(Bit, passive)               \
      F(Bit, durable) F(Bit, auto_delete) F(Bit, internal) F(Bit, nowait)                    \
      F(Table, arguments))                                                                   \
    M(ExchangeDeclareOk, 40, 11, "exchange.declare-ok", false, false, 0, 0, )                \
    M(ExchangeDelete, 40, 20, "exchange.delete", true, false, 21, 0,                         \
      F(Short, ticket) F(ShortStr, exchange) F(Bit, if_unused) F(Bit, nowait))               \
    M(ExchangeDeleteOk, 40, 21, "exchange.delete-ok", false, false, 0, 0, )                  \
    M(ExchangeBind, 40, 30, "exchange.bind", true, false, 31, 0,                             \
      F(Short, ticket) F(ShortStr, destination) F(ShortStr, source)                          \
      F(ShortStr, routing_key) F(Bit, nowait) F(Table, arguments))                           \
    M(ExchangeBindOk, 40, 31, "exchange.bind-ok", false, false, 0, 0, )                      \
    M(ExchangeUnbind, 40, 40, "exchange.unbind", true, false, 51, 0,                         \
      F(Short, ticket) F(ShortStr, destination) F(ShortStr, source)                          \
      F(ShortStr, routing_key) F(Bit, nowait) F(Table, arguments))                           \
    M(ExchangeUnbindOk, 40, 51, "exchange.unbind-ok", false, false, 0, 0, )                  \
    M(QueueDeclare, 50, 10, "queue.declare", true, false, 11, 0,                             \
      F(Short, ticket) F(ShortStr, queue) F(Bit, passive) F(Bit, durable)                    \
      F(Bit, exclusive) F(Bit, auto_delete) F(Bit, nowait) F(Table, arguments))              \
    M(QueueDeclareOk, 50, 11, "queue.declare-ok", false, false, 0, 0,                        \
      F(ShortStr, queue) F(Long, message_count) F(Long, consumer_count))                     \
    M(QueueBind, 50, 20, "queue.bind", true, false, 21, 0,                                   \
      F(Short, ticket) F(ShortStr, queue) F(ShortStr, exchange) F(ShortStr, routing_key)     \
      F(Bit, nowait) F(Table, arguments))                                                    \
    M(QueueBindOk, 50, 21, "queue.bind-ok", false, false, 0, 0, )                            \
    M(QueuePurge, 50, 30, "queue.purge", true, false, 31, 0,                                 \
      F(Short, ticket) F(ShortStr, queue) F(Bit, nowait))                                    \
    M(QueuePurgeOk, 50, 31, "queue.purge-ok", false, false, 0, 0,                            \
      F(Long, message_count))                                                                \
    M(QueueDelete, 50, 40, "queue.delete", true, false, 41, 0,                               \
      F(Short, ticket) F(ShortStr, queue) F(Bit, if_unused) F(Bit, if_empty) F(Bit, nowait)) \
    M(QueueDeleteOk, 50, 41, "queue.delete-ok", false, false, 0, 0,                          \
      F(Long, message_count))                                                                \
    M(QueueUnbind, 50, 50, "queue.unbind", true, false, 51, 0,                               \
      F(Short, ticket) F(ShortStr, queue) F(ShortStr, exchange) F(ShortStr, routing_key)     \
      F(Table, arguments))                                                                   \
    M(QueueUnbindOk, 50, 51, "queue.unbind-ok", false, false, 0, 0, )                        \
    M(BasicQos, 60, 10, "basic.qos", true, false, 11, 0,                                     \
      F(Long, prefetch_size) F(Short, prefetch_count) F(Bit, global))                        \
    M(BasicQosOk, 60, 11, "basic.qos-ok", false, false, 0, 0, )                              \
    M(BasicConsume, 60, 20, "basic.consume", true, false, 21, 0,                             \
      F(Short, ticket) F(ShortStr, queue) F(ShortStr, consumer_tag) F(Bit, no_local)         \
      F(Bit, no_ack) F(Bit, exclusive) F(Bit, nowait) F(Table, arguments))                   \
    M(BasicConsumeOk, 60, 21, "basic.consume-ok", false, false, 0, 0,                        \
      F(ShortStr, consumer_tag))                                                             \
    M(BasicCancel, 60, 30, "basic.cancel", true, false, 31, 0,                               \
      F(ShortStr, consumer_tag) F(Bit, nowait))                                              \
    M(BasicCancelOk, 60, 31, "basic.cancel-ok", false, false, 0, 0,                          \
      F(ShortStr, consumer_tag))                                                             \
    M(BasicPublish, 60, 40, "basic.publish", false, true, 0, 0,                              \
      F(Short, ticket) F(ShortStr, exchange) F(ShortStr, routing_key) F(Bit, mandatory)      \
      F(Bit, immediate))                                                                     \
    M(BasicReturn, 60, 50, "basic.return", false, true, 0, 0,                                \
      F(Short, reply_code) F(ShortStr, reply_text) F(ShortStr, exchange)                     \
      F(ShortStr, routing_key))                                                              \
    M(BasicDeliver, 60, 60, "basic.deliver", false, true, 0, 0,                              \
      F(ShortStr, consumer_tag) F(LongLong, delivery_tag) F(Bit, redelivered)                \
      F(ShortStr, exchange) F(ShortStr, routing_key))                                        \
    M(BasicGet, 60, 70, "basic.get", true, false, 71, 72,                                    \
      F(Short, ticket) F(ShortStr, queue) F(Bit, no_ack))                                    \
    M(BasicGetOk, 60, 71, "basic.get-ok", false, true, 0, 0,                                 \
      F(LongLong, delivery_tag) F(Bit, redelivered) F(ShortStr, exchange)                    \
      F(ShortStr, routing_key) F(Long, message_count))                                       \
    M(BasicGetEmpty, 60, 72, "basic.get-empty", false, false, 0, 0,                          \
      F(ShortStr, cluster_id))                                                               \
    M(BasicAck, 60, 80, "basic.ack", false, false, 0, 0,                                     \
      F(LongLong, delivery_tag) F(Bit, multiple))                                            \
    M(BasicReject, 60, 90, "basic.reject", false, false, 0, 0,                               \
      F(LongLong, delivery_tag) F(Bit, requeue))                                             \
    M(BasicRecoverAsync, 60, 100, "basic.recover-async", false, false, 0, 0,                 \
      F(Bit, requeue))                                                                       \
    M(BasicRecover, 60, 110, "basic.recover", true, false, 111, 0,                           \
      F(Bit, requeue))                                                                       \
    M(BasicRecoverOk, 60, 111, "basic.recover-ok", false, false, 0, 0, )                     \
    M(BasicNack, 60, 120, "basic.nack", false, false, 0, 0,                                  \
      F(LongLong, delivery_tag) F(Bit, multiple) F(Bit, requeue))                            \
    M(TxSelect, 90, 10, "tx.select", true, false, 11, 0, )                                   \
    M(TxSelectOk, 90, 11, "tx.select-ok", false, false, 0, 0, )                              \
    M(TxCommit, 90, 20, "tx.commit", true, false, 21, 0, )                                   \
    M(TxCommitOk, 90, 21, "tx.commit-ok", false, false, 0, 0, )                              \
    M(TxRollback, 90, 30, "tx.rollback", true, false, 31, 0, )                               \
    M(TxRollbackOk, 90, 31, "tx.rollback-ok", false, false, 0, 0, )                          \
    M(ConfirmSelect, 85, 10, "confirm.select", true, false, 11, 0,                           \
      F(Bit, nowait))                                                                        \
    M(ConfirmSelectOk, 85, 11, "confirm.select-ok", false, false, 0, 0, )
// clang-format on
