package powersync.write.sdk

/**
 * Every test of [SdkEndToEndTest] with the backend behind PgBouncer in `pool_mode = transaction`
 * (as on a managed database behind its pooler) and its `transaction_pooler` switch on.
 */
class SdkEndToEndThroughPoolerTest : SdkEndToEndTest() {
    override val throughPooler = true
}
