"""External company data (征信 / 企业信息平台): the bureau port, the Tianyancha and Qichacha
providers, cached and rate-limited calls, stored snapshots and the signals their changes raise."""
