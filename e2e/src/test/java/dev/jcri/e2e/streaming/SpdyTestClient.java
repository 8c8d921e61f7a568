package dev.jcri.e2e.streaming;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyGoAwayFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client side of Kubernetes' SPDY streaming, as kubectl and crictl speak it (HTTP upgrade, then client-opened
 * streams named by headers), built on Netty's SPDY codec: an implementation independent of jcri's own.
 */
public final class SpdyTestClient implements AutoCloseable {
    private static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());

    private final Channel channel;
    private final String protocol;
    private final AtomicInteger nextStreamId = new AtomicInteger(1);
    private final Map<Integer, Stream> streams = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> goAway = new CompletableFuture<>();
    private final CompletableFuture<Void> pong = new CompletableFuture<>();

    /** The answer to an upgrade that was refused. */
    public static final class Refused extends IOException {
        public final int status;

        Refused(int status, String body) {
            super("HTTP " + status + ": " + body);
            this.status = status;
        }
    }

    /** One client-opened stream. */
    public final class Stream {
        final int id;
        final CompletableFuture<Void> replied = new CompletableFuture<>();
        /** Completes when the server sent FIN or reset the stream. */
        public final CompletableFuture<Void> ended = new CompletableFuture<>();

        volatile boolean reset;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();

        Stream(int id) {
            this.id = id;
        }

        public void write(String text) {
            write(text.getBytes(StandardCharsets.UTF_8));
        }

        public void write(byte[] data) {
            channel.writeAndFlush(new DefaultSpdyDataFrame(id, Unpooled.wrappedBuffer(data)))
                    .syncUninterruptibly();
        }

        /** Half-closes: an empty data frame with FIN. */
        public void close() {
            DefaultSpdyDataFrame fin = new DefaultSpdyDataFrame(id);
            fin.setLast(true);
            channel.writeAndFlush(fin).syncUninterruptibly();
        }

        public void resetByClient() {
            channel.writeAndFlush(new DefaultSpdyRstStreamFrame(id, SpdyStreamStatus.CANCEL))
                    .syncUninterruptibly();
        }

        public boolean wasReset() {
            return reset;
        }

        public synchronized String text() {
            return received.toString(StandardCharsets.UTF_8);
        }

        /** Waits until what arrived contains {@code expected}; returns all that arrived. */
        public String awaitText(String expected, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!text().contains(expected) && System.nanoTime() < deadline && !ended.isDone()) {
                Thread.sleep(10);
            }
            return text();
        }

        /** Waits for the server's FIN or reset, then returns all that arrived. */
        public String awaitEnd(Duration timeout) throws Exception {
            ended.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return text();
        }

        synchronized void append(ByteBuf data) {
            byte[] bytes = new byte[data.readableBytes()];
            data.readBytes(bytes);
            received.writeBytes(bytes);
        }
    }

    private SpdyTestClient(Channel channel, String protocol) {
        this.channel = channel;
        this.protocol = protocol;
    }

    /** Upgrades {@code url} to SPDY/3.1 offering {@code protocols}; throws {@link Refused} for a non-101. */
    public static SpdyTestClient connect(String url, List<String> protocols) throws Exception {
        URI uri = URI.create(url);
        CompletableFuture<FullHttpResponse> upgraded = new CompletableFuture<>();
        CompletableFuture<SpdyTestClient> ready = new CompletableFuture<>();
        Bootstrap bootstrap = new Bootstrap()
                .group(GROUP)
                .channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("http", new HttpClientCodec());
                        ch.pipeline().addLast("aggregate", new HttpObjectAggregator(1 << 20));
                        ch.pipeline().addLast("upgrade", new SimpleChannelInboundHandler<FullHttpResponse>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
                                upgraded.complete(response.retainedDuplicate());
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                upgraded.completeExceptionally(cause);
                            }
                        });
                    }
                });
        Channel channel = bootstrap.connect(uri.getHost(), uri.getPort()).sync().channel();
        FullHttpRequest request = new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1, HttpMethod.POST, uri.getRawPath(), Unpooled.EMPTY_BUFFER);
        request.headers().set("Host", uri.getHost() + ":" + uri.getPort());
        request.headers().set("Connection", "Upgrade");
        request.headers().set("Upgrade", "SPDY/3.1");
        request.headers().set("Content-Length", "0");
        for (String protocol : protocols) {
            request.headers().add("X-Stream-Protocol-Version", protocol);
        }
        // The server sends nothing after the 101 until the client's first frame, so the switch cannot race.
        channel.writeAndFlush(request).sync();
        FullHttpResponse response = upgraded.get(10, TimeUnit.SECONDS);
        try {
            if (response.status().code() != 101) {
                channel.close();
                throw new Refused(response.status().code(), response.content().toString(StandardCharsets.UTF_8));
            }
            SpdyTestClient client =
                    new SpdyTestClient(channel, response.headers().get("X-Stream-Protocol-Version", ""));
            channel.pipeline().remove("upgrade");
            channel.pipeline().remove("aggregate");
            channel.pipeline().replace("http", "spdy", new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
            channel.pipeline().addLast("frames", client.new Frames());
            return client;
        } finally {
            response.release();
        }
    }

    /** The protocol the server chose. */
    public String protocol() {
        return protocol;
    }

    /** Opens a stream with {@code headers} and waits for the server's SYN_REPLY (or reset). */
    public Stream open(Map<String, String> headers) throws Exception {
        int id = nextStreamId.getAndAdd(2);
        Stream stream = new Stream(id);
        streams.put(id, stream);
        DefaultSpdySynStreamFrame syn = new DefaultSpdySynStreamFrame(id, 0, (byte) 0);
        // SPDY header names are lowercase on the wire, as Go's client writes them.
        headers.forEach((name, value) -> syn.headers().add(name.toLowerCase(java.util.Locale.ROOT), value));
        channel.writeAndFlush(syn).sync();
        stream.replied.get(10, TimeUnit.SECONDS);
        return stream;
    }

    /** Sends a PING and waits for its echo. */
    public void ping() throws Exception {
        channel.writeAndFlush(new DefaultSpdyPingFrame(1)).sync();
        pong.get(10, TimeUnit.SECONDS);
    }

    public CompletableFuture<Void> goAway() {
        return goAway;
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    /** Completes when the TCP connection ends. */
    public CompletableFuture<Void> closed() {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        channel.closeFuture().addListener(f -> closed.complete(null));
        return closed;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }

    private final class Frames extends SimpleChannelInboundHandler<Object> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object frame) {
            switch (frame) {
                case SpdySynReplyFrame reply -> {
                    Stream stream = streams.get(reply.streamId());
                    if (stream != null) {
                        stream.replied.complete(null);
                        if (reply.isLast()) {
                            stream.ended.complete(null);
                        }
                    }
                }
                case SpdyDataFrame data -> {
                    Stream stream = streams.get(data.streamId());
                    if (stream != null) {
                        stream.append(data.content());
                        if (data.isLast()) {
                            stream.ended.complete(null);
                        }
                    }
                }
                case SpdyRstStreamFrame reset -> {
                    Stream stream = streams.get(reset.streamId());
                    if (stream != null) {
                        stream.reset = true;
                        stream.replied.complete(null);
                        stream.ended.complete(null);
                    }
                }
                case SpdyPingFrame ping -> pong.complete(null);
                case SpdyGoAwayFrame away -> goAway.complete(null);
                default -> {}
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            for (Stream stream : streams.values()) {
                stream.replied.completeExceptionally(new IOException("connection closed"));
                stream.ended.complete(null);
            }
            goAway.complete(null);
        }
    }
}
