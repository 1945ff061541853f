# Apache Kafka 4.1 in KRaft mode (one combined broker + controller node), assembled from
# Maven Central artifacts, on a JDK 17-21 (the versions Kafka 4.1 fully supports).
KAFKA_VERSION=4.1.1
KAFKA_LIBS=$TICKETLY_CACHE/kafka-$KAFKA_VERSION/libs
KAFKA_DIR=$TICKETLY_HOME/kafka
KAFKA_CLUSTER_ID=tkt1y-LocalKRaft-0001w   # any 22-character base64 UUID; fixed for the local cluster

kafka_java() {
  local h
  h=$(java_home 17 21) || h=$(java_home 17) || die "Kafka needs a JDK 17+ in /usr/lib/jvm"
  echo "$h/bin/java"
}

kafka_install() {
  command -v mvn >/dev/null || apt_install maven
  java_home 17 >/dev/null || apt_install openjdk-17-jdk-headless
  mvn_libs "$ROOT/deploy/local/kafka/pom.xml" "$KAFKA_LIBS"
  mkdir -p "$KAFKA_DIR/data"
  cat >"$KAFKA_DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=-1
# Sessions carry their whole seat layout in each change: allow records up to 16 MiB.
message.max.bytes=16777216
replica.fetch.max.bytes=16777216
PROPS
  if [ ! -f "$KAFKA_DIR/data/meta.properties" ]; then
    log "formatting Kafka storage"
    "$(kafka_java)" -Xmx256m -Dlog4j2.configurationFile="$ROOT/deploy/local/log4j2.properties" -cp "$KAFKA_LIBS/*" \
      kafka.tools.StorageTool format -t "$KAFKA_CLUSTER_ID" -c "$KAFKA_DIR/server.properties" --ignore-formatted \
      >>"$LOG_DIR/kafka.log" 2>&1 || die "formatting Kafka storage failed (see $LOG_DIR/kafka.log)"
  fi
}

kafka_start() {
  ensure_port_free kafka "$KAFKA_PORT"
  ensure_port_free kafka-controller "$KAFKA_CONTROLLER_PORT"
  start_bg kafka "$(kafka_java)" -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dkafka.logs.dir="$LOG_DIR" -Dlog4j2.configurationFile="$ROOT/deploy/local/log4j2.properties" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_DIR/server.properties"
}

# Ready when the broker logged its start and the listener accepts connections.
kafka_ready() { tcp_open "$KAFKA_PORT" && grep -q "Kafka Server started" "$LOG_DIR/kafka.log"; }
kafka_describe() { echo "127.0.0.1:$KAFKA_PORT (KRaft, Kafka $KAFKA_VERSION on $(basename "$(dirname "$(dirname "$(kafka_java)")")"))"; }
