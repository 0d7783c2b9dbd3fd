//! 4.4.2 条码支付 requires the buyer's auth_code: a barcode payment without it does not
//! compile, neither through `new` nor as a struct literal.
use paygen::Fen;
use paygen_mct1::{PayorderBarcodeRequest, PayorderRequest};

fn main() {
    let _: PayorderRequest = PayorderBarcodeRequest::new("B1001", "Weixin", Fen(100), Fen(100)).into();
    let _ = PayorderBarcodeRequest {
        out_no: "B1001".into(),
        pmt_tag: "Weixin".into(),
        pmt_name: None,
        ord_name: None,
        original_amount: Fen(100),
        trade_amount: Fen(100),
        remark: None,
        notify_url: None,
    };
}
